package io.zdd.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zdd.agent.core.ConnectionSampler;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerConnections;
import io.zdd.common.model.WorkerConnections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The agent meters as Prometheus renders them (names and labels as docs/architecture.md lists them). */
class AgentMetricsTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicReference<Epoch> epoch = new AtomicReference<>(Epoch.of(3));
  private final AgentMetrics metrics = new AgentMetrics(registry, epoch::get);

  private static ServerConnections server(String group, String name, int scur) {
    return new ServerConnections(GroupName.of(group), name, scur, 0, 10, "UP", AdminState.READY, 0);
  }

  @Test
  void scrape_showsEveryAgentMeterWithItsLabels() {
    metrics.recordRuntimeCommands(4, true);
    metrics.recordRuntimeCommands(1, false);
    metrics.recordReload(true);
    epoch.set(Epoch.of(7));
    metrics.refresh(new ConnectionSampler.Counts(List.of(server("web", "blue-1", 5), server("web", "green-1", 2)),
        List.of(new WorkerConnections(10, true, 7), new WorkerConnections(9, false, 1))));

    String text = registry.scrape();

    assertThat(text)
        .contains("zdd_agent_runtime_commands_total{result=\"ok\"} 4.0")
        .contains("zdd_agent_runtime_commands_total{result=\"error\"} 1.0")
        .contains("zdd_agent_reloads_total{result=\"ok\"} 1.0")
        .contains("zdd_agent_reloads_total{result=\"error\"} 0.0")
        .contains("zdd_agent_haproxy_workers 2.0")
        .contains("zdd_agent_highest_epoch 7.0")
        .contains("zdd_agent_backend_connections{group=\"web\",server=\"blue-1\"} 5.0")
        .contains("zdd_agent_backend_connections{group=\"web\",server=\"green-1\"} 2.0");
  }

  @Test
  void refresh_dropsServersThatAreGone() {
    metrics.refresh(new ConnectionSampler.Counts(List.of(server("web", "blue-1", 5)), List.of()));
    metrics.refresh(new ConnectionSampler.Counts(List.of(server("web", "green-1", 1)), List.of()));

    assertThat(registry.scrape()).doesNotContain("blue-1").contains("server=\"green-1\"} 1.0");
  }
}
