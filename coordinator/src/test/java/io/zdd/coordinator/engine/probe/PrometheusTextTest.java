package io.zdd.coordinator.engine.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  private static final String TEXT = """
      # HELP app_pending_transactions Transactions queued for the database.
      # TYPE app_pending_transactions gauge
      app_pending_transactions{queue="orders",note="a } in \\"quotes\\""} 3
      app_pending_transactions{queue="mail"} 1.5e0
      app_pending_transactions_total 99
      jobs 0
      broken NaN
      """;

  @Test
  void seriesWithLabels_areSummed() {
    assertThat(PrometheusText.value(TEXT, "app_pending_transactions")).hasValue(4.5);
  }

  @Test
  void metricWithoutLabels_isRead() {
    assertThat(PrometheusText.value(TEXT, "jobs")).hasValue(0.0);
  }

  @Test
  void longerNameWithTheSamePrefix_isNotConfused() {
    assertThat(PrometheusText.value("app_pending_transactions_total 7\n", "app_pending_transactions")).isEmpty();
  }

  @Test
  void missingOrNanMetric_isUnknown() {
    assertThat(PrometheusText.value(TEXT, "nothing")).isEqualTo(OptionalDouble.empty());
    assertThat(PrometheusText.value(TEXT, "broken")).isEmpty();
  }
}
