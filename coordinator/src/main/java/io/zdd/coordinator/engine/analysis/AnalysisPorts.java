package io.zdd.coordinator.engine.analysis;

import io.zdd.coordinator.engine.port.MetricQueryPort;
import io.zdd.coordinator.engine.port.WebhookPort;

/** What canary analysis needs beyond the fleet: the operators' templates, Prometheus, webhooks. */
public record AnalysisPorts(AnalysisFile file, MetricQueryPort metrics, WebhookPort webhooks) {
  public static final AnalysisPorts NONE = new AnalysisPorts(AnalysisFile.EMPTY, MetricQueryPort.none(), WebhookPort.none());
}
