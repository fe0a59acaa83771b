package io.zdd.coordinator.engine.port;

import io.zdd.common.error.UnavailableException;
import java.util.List;

/** A metrics backend that answers instant queries (Prometheus's HTTP API in production). */
public interface MetricQueryPort {
  /**
   * Runs an instant query. Returns one value per series of the result (a scalar result is one
   * value); an empty list means the query found no data. NaN values are kept.
   *
   * @throws io.zdd.common.error.InvalidInputException the backend refused the query (bad PromQL)
   * @throws UnavailableException no answer within the deadline after retries
   */
  List<Double> query(String query);

  /** A port for a coordinator without a metrics backend: every query is unavailable, saying so. */
  static MetricQueryPort none() {
    return q -> {
      throw new UnavailableException("no Prometheus is configured on the coordinator (--prometheus-url)");
    };
  }
}
