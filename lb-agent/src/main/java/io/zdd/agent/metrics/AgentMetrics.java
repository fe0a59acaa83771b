package io.zdd.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.zdd.agent.core.ConnectionSampler;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.ServerConnections;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The agent's domain meters (listed in docs/architecture.md, Metrics), registered once on the registry given:
 * <ul>
 *   <li>{@code zdd_agent_runtime_commands_total{result}}: runtime API commands, ok or error;
 *   <li>{@code zdd_agent_reloads_total{result}}: reloads the agent made, ok or error;
 *   <li>{@code zdd_agent_haproxy_workers}: HAProxy workers alive (current and old);
 *   <li>{@code zdd_agent_backend_connections{group,server}}: current sessions per server, all workers;
 *   <li>{@code zdd_agent_highest_epoch}: highest leader epoch accepted.
 * </ul>
 * The record methods are for whoever knows the outcome (the gRPC edge from ApplyResult today;
 * the HAProxy layer may call them directly). Connection gauges are refreshed from one sample by
 * {@link #refresh}, which the scrape endpoint calls with the agent's shared reading (the one the
 * WatchConnections streams take) when it is fresh, so a scrape reads HAProxy only when no stream
 * keeps that reading fresh.
 */
public final class AgentMetrics {
  public static final String OK = "ok";
  public static final String ERROR = "error";

  private final Counter runtimeOk;
  private final Counter runtimeError;
  private final Counter reloadOk;
  private final Counter reloadError;
  private final AtomicInteger workers = new AtomicInteger();
  private final MultiGauge backendConnections;

  public AgentMetrics(MeterRegistry registry, Supplier<Epoch> highestEpoch) {
    runtimeOk = runtime(registry, OK);
    runtimeError = runtime(registry, ERROR);
    reloadOk = reload(registry, OK);
    reloadError = reload(registry, ERROR);
    Gauge.builder("zdd_agent_haproxy_workers", workers, AtomicInteger::get)
        .description("HAProxy worker processes alive, current and old")
        .register(registry);
    Gauge.builder("zdd_agent_highest_epoch", () -> highestEpoch.get().value())
        .description("Highest leader epoch this agent has accepted")
        .register(registry);
    backendConnections = MultiGauge.builder("zdd_agent_backend_connections")
        .description("Current sessions per server, summed over current and old workers")
        .register(registry);
  }

  private static Counter runtime(MeterRegistry r, String result) {
    return Counter.builder("zdd_agent_runtime_commands").tag("result", result)
        .description("HAProxy runtime API commands sent by the agent").register(r);
  }

  private static Counter reload(MeterRegistry r, String result) {
    return Counter.builder("zdd_agent_reloads").tag("result", result)
        .description("HAProxy reloads made by the agent").register(r);
  }

  public void recordRuntimeCommands(int count, boolean ok) {
    if (count > 0) {
      (ok ? runtimeOk : runtimeError).increment(count);
    }
  }

  public void recordReload(boolean ok) {
    (ok ? reloadOk : reloadError).increment();
  }

  /** Sets the worker and per-server connection gauges from one sample. */
  public void refresh(ConnectionSampler.Counts counts) {
    workers.set(counts.workers().size());
    backendConnections.register(counts.servers().stream()
        .map((ServerConnections s) -> MultiGauge.Row.of(
            Tags.of("group", s.group().value(), "server", s.server()), s.scur()))
        .toList(), true);
  }
}
