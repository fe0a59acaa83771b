package io.zdd.coordinator.engine.analysis;

import io.zdd.common.error.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * What an LB-observed check measures from one colour's traffic in a window
 * ({@link ColourTraffic}). Ratios are fractions (0.01 is 1 %); they and the averages are undefined
 * (empty) when the colour answered nothing in the window.
 */
public enum LbMetric {
  /** 5xx responses / all responses. */
  RATIO_5XX("5xx_ratio"),
  /** 4xx responses / all responses. */
  RATIO_4XX("4xx_ratio"),
  /** (5xx + connection errors + response errors) / (responses + connection errors). */
  FAILURE_RATIO("failure_ratio"),
  /** HAProxy's average response time (rtime), weighted by responses, in ms. */
  AVG_RESPONSE_MS("avg_response_ms"),
  /** HAProxy's average total session time (ttime), weighted by responses, in ms. */
  AVG_TOTAL_MS("avg_total_ms"),
  /** Responses in the window. */
  REQUESTS("requests"),
  /** Retries plus redispatches in the window. */
  RETRIES("retries");

  private final String key;

  LbMetric(String key) {
    this.key = key;
  }

  /** The name used in analysis files and labels. */
  public String key() {
    return key;
  }

  public static LbMetric of(String field, String key) {
    return Arrays.stream(values()).filter(m -> m.key.equals(key.toLowerCase(Locale.ROOT))).findFirst()
        .orElseThrow(() -> new InvalidInputException(field, "unknown LB metric '" + key + "'; one of "
            + Arrays.stream(values()).map(LbMetric::key).toList()));
  }

  OptionalDouble of(ColourTraffic t) {
    long responses = t.responses();
    return switch (this) {
      case REQUESTS -> OptionalDouble.of(responses);
      case RETRIES -> OptionalDouble.of(t.retries() + t.redispatches());
      case RATIO_5XX -> responses == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) t.responses5xx() / responses);
      case RATIO_4XX -> responses == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) t.responses4xx() / responses);
      case FAILURE_RATIO -> responses + t.connectionErrors() == 0 ? OptionalDouble.empty()
          : OptionalDouble.of((double) (t.responses5xx() + t.connectionErrors() + t.responseErrors())
              / (responses + t.connectionErrors()));
      case AVG_RESPONSE_MS -> responses == 0 ? OptionalDouble.empty() : OptionalDouble.of(t.responseMsSum() / responses);
      case AVG_TOTAL_MS -> responses == 0 ? OptionalDouble.empty() : OptionalDouble.of(t.totalMsSum() / responses);
    };
  }

  /** A value as operators read it: ratios in percent, the rest as numbers. */
  String format(double v) {
    return switch (this) {
      case RATIO_5XX, RATIO_4XX, FAILURE_RATIO -> String.format(Locale.ROOT, "%.2f%%", v * 100);
      case AVG_RESPONSE_MS, AVG_TOTAL_MS -> String.format(Locale.ROOT, "%.1f ms", v);
      case REQUESTS, RETRIES -> String.format(Locale.ROOT, "%.0f", v);
    };
  }
}
