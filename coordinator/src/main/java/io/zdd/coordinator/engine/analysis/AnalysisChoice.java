package io.zdd.coordinator.engine.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import io.zdd.common.config.Durations;
import io.zdd.common.error.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which analysis gates a deployment: the template the deploy request names ({@code --analysis}),
 * else the one the app's {@code ZDD_ANALYSIS_TEMPLATE} label names (both from the coordinator's
 * {@link AnalysisFile}), else LB-observed rules written as {@code ZDD_ANALYSIS_*} labels, else none.
 * Labels can hold only LB-observed rules: Prometheus queries and webhook URLs are the operators'
 * (the analysis file).
 */
public final class AnalysisChoice {
  public static final String PREFIX = "ZDD_ANALYSIS_";
  public static final String TEMPLATE_LABEL = PREFIX + "TEMPLATE";
  /** The name the label-made template carries (in events and plans). */
  public static final String LABELS = "labels";
  private static final Map<String, String> RULE_LABELS = Map.of(
      PREFIX + "MAX_5XX_RATIO", "green's LB-observed 5xx ratio at most this fraction (0.01 is 1 %)",
      PREFIX + "MAX_5XX_OVER_BLUE", "green's 5xx ratio at most blue's plus this fraction",
      PREFIX + "MAX_RESPONSE_TIME_FACTOR", "green's average response time at most this many times blue's",
      PREFIX + "MIN_REQUESTS", "green responses needed in a measurement to judge it (default 200)",
      PREFIX + "INTERVAL", "time between measurements (default 10s)",
      PREFIX + "COUNT", "passing measurements a step needs (default 3)",
      PREFIX + "FAILURE_LIMIT", "failed measurements tolerated (default 0)",
      PREFIX + "INCONCLUSIVE_LIMIT", "inconclusive measurements tolerated before pausing (default 1)",
      PREFIX + "ON_FAILURE", "rollback (default) or pause");

  private AnalysisChoice() {}

  /** The labels {@link #resolve} reads, with what each means. */
  public static Map<String, String> ruleLabels() {
    return new TreeMap<>(RULE_LABELS);
  }

  /**
   * @param requested the template the deploy request names, if any
   * @throws InvalidInputException naming the option or label: an unknown template, a bad or
   *     unknown {@code ZDD_ANALYSIS_*} label, both a template and rule labels
   */
  public static Optional<AnalysisTemplate> resolve(Optional<String> requested, JsonNode labels, AnalysisFile file) {
    Map<String, String> mine = new TreeMap<>();
    if (labels != null && labels.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().startsWith(PREFIX)) {
          mine.put(e.getKey(), e.getValue().asText());
        }
      }
    }
    Optional<String> named = requested.isPresent() ? requested : Optional.ofNullable(mine.remove(TEMPLATE_LABEL));
    if (named.isPresent()) {
      String field = requested.isPresent() ? "options.analysis" : "labels." + TEMPLATE_LABEL;
      if (requested.isPresent()) {
        mine.remove(TEMPLATE_LABEL);
      }
      if (!mine.isEmpty()) {
        throw new InvalidInputException("labels." + mine.keySet().iterator().next(), "analysis rules in labels cannot be "
            + "combined with template '" + named.get() + "'; put them in the template");
      }
      return Optional.of(file.template(named.get()).orElseThrow(() -> new InvalidInputException(field, "no analysis template '"
          + named.get() + "' on the coordinator (known: " + new TreeMap<>(file.templates()).keySet() + ")")));
    }
    if (mine.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(fromLabels(mine));
  }

  private static AnalysisTemplate fromLabels(Map<String, String> l) {
    for (String k : l.keySet()) {
      if (!RULE_LABELS.containsKey(k)) {
        throw new InvalidInputException("labels." + k, "is not an analysis label (known: " + ruleLabels().keySet() + ")");
      }
    }
    long minRequests = (long) number(l, "MIN_REQUESTS", 200);
    double max5xx = number(l, "MAX_5XX_RATIO", Double.NaN);
    double over = number(l, "MAX_5XX_OVER_BLUE", Double.NaN);
    double factor = number(l, "MAX_RESPONSE_TIME_FACTOR", Double.NaN);
    List<LbCheck> checks = new ArrayList<>();
    if (!Double.isNaN(max5xx) || !Double.isNaN(over)) {
      checks.add(new LbCheck("5xx-ratio", LbMetric.RATIO_5XX, max5xx, Double.NaN, over, Double.NaN, minRequests));
    }
    if (!Double.isNaN(factor)) {
      checks.add(new LbCheck("response-time", LbMetric.AVG_RESPONSE_MS, Double.NaN, Double.NaN, Double.NaN, factor, minRequests));
    }
    if (checks.isEmpty()) {
      throw new InvalidInputException("labels." + PREFIX + "MAX_5XX_RATIO", "analysis labels need at least one rule: "
          + PREFIX + "MAX_5XX_RATIO, " + PREFIX + "MAX_5XX_OVER_BLUE or " + PREFIX + "MAX_RESPONSE_TIME_FACTOR");
    }
    String interval = l.get(PREFIX + "INTERVAL");
    Duration every = interval == null ? Duration.ofSeconds(10) : Durations.parse("labels." + PREFIX + "INTERVAL", interval);
    OnFailure onFailure = switch (l.getOrDefault(PREFIX + "ON_FAILURE", "rollback").toLowerCase(Locale.ROOT)) {
      case "rollback" -> OnFailure.ROLLBACK;
      case "pause" -> OnFailure.PAUSE;
      default -> throw new InvalidInputException("labels." + PREFIX + "ON_FAILURE", "must be rollback or pause");
    };
    return new AnalysisTemplate(LABELS, every, (int) number(l, "COUNT", 3), (int) number(l, "FAILURE_LIMIT", 0),
        (int) number(l, "INCONCLUSIVE_LIMIT", 1), onFailure, checks, List.of(), List.of());
  }

  private static double number(Map<String, String> l, String key, double dflt) {
    String v = l.get(PREFIX + key);
    if (v == null) {
      return dflt;
    }
    try {
      double d = Double.parseDouble(v.trim());
      if (!Double.isFinite(d) || d < 0) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new InvalidInputException("labels." + PREFIX + key, "must be a number ≥ 0, got '" + v + "'");
    }
  }
}
