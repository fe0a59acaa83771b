package io.zdd.coordinator.fleet;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.TrafficReading;
import io.zdd.coordinator.engine.LbGroups;
import io.zdd.coordinator.engine.port.AgentCallResult;
import io.zdd.coordinator.engine.port.LbAgentView;
import io.zdd.coordinator.engine.port.LbFleetPort;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The engine's {@link LbFleetPort} over the {@link AgentFleet}: fleet-wide calls go to every agent
 * serving the group in parallel ({@link FanOut}: asynchronous calls, each bounded by the client's
 * deadline, at most {@link FanOut#DEFAULT_WINDOW} in flight), and one agent's failure is reported in
 * its result, never thrown, so it cannot hide the others' answers.
 *
 * <p>{@link #applyEverywhere} sends a set only to the agents that do not already hold it
 * ({@link AcknowledgedSets}); the others answer with their last real read-back. So a deployment
 * that re-applies an unchanged set on every tick (during a step pause, a drain) costs the agents
 * nothing, while an agent that restarted, reconnected or failed gets the set again.
 *
 * <p>Metrics: {@code zdd_fleet_fanout_duration_seconds{call}} (start of a fleet-wide call to its
 * last answer) and {@code zdd_fleet_apply_skipped_total} (sends skipped, the agent held the set).
 */
public final class FleetPortAdapter implements LbFleetPort {
  /**
   * How long an acknowledged set answers for an agent without a real call. Bounds how long a drift
   * nothing announced (a weight set by hand on HAProxy's socket, an agent whose restart the stream
   * did not see) stays uncorrected; the engine re-applies at least every step delay anyway.
   */
  public static final Duration RECHECK_AFTER = Duration.ofSeconds(30);

  private final AgentFleet fleet;
  private final AcknowledgedSets acks;
  private final int window;
  private final MeterRegistry registry;
  private final Counter skipped;

  /**
   * As {@link #FleetPortAdapter(AgentFleet, Clock, MeterRegistry)} with the system clock and metrics
   * kept to itself. The executor is not used any more: calls are asynchronous and hold no thread.
   *
   * @deprecated pass a clock and the process's registry
   */
  @Deprecated
  public FleetPortAdapter(AgentFleet fleet, ExecutorService calls) {
    this(fleet, Clock.systemUTC(), new SimpleMeterRegistry());
  }

  /** @param registry where the fan-out metrics go (the coordinator's Prometheus registry) */
  public FleetPortAdapter(AgentFleet fleet, Clock clock, MeterRegistry registry) {
    this(fleet, clock, registry, RECHECK_AFTER, FanOut.DEFAULT_WINDOW);
  }

  /**
   * @param recheckAfter see {@link #RECHECK_AFTER}
   * @param window calls in flight per fleet-wide call (see {@link FanOut#DEFAULT_WINDOW})
   */
  public FleetPortAdapter(AgentFleet fleet, Clock clock, MeterRegistry registry, Duration recheckAfter, int window) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be at least 1, got " + window);
    }
    this.fleet = fleet;
    this.acks = new AcknowledgedSets(clock, recheckAfter);
    this.window = window;
    this.registry = registry;
    this.skipped = Counter.builder("zdd_fleet_apply_skipped_total")
        .description("backend sets not sent to an agent because it already held them (answered from its last read-back)")
        .register(registry);
  }

  @Override
  public List<LbAgentView> agents(GroupName group, LbGroups lbGroups) {
    return fleet.serving(group.value(), lbGroups).stream()
        .map(m -> new LbAgentView(m.endpoint().id(), m.subscription().connected()))
        .toList();
  }

  @Override
  public Map<AgentId, AgentCallResult> applyEverywhere(BackendSet set, LbGroups lbGroups, Epoch epoch) {
    return startApply(set, lbGroups, epoch).await();
  }

  /**
   * Starts {@link #applyEverywhere} and returns at once (after at most waiting for the window):
   * the results complete one by one. For the fleet benchmark and tests; the engine waits for all.
   */
  public Collecting startApply(BackendSet set, LbGroups lbGroups, Epoch epoch) {
    String fingerprint = set.contentDigest();
    List<AgentFleet.Member> members = fleet.serving(set.group().value(), lbGroups);
    acks.retainOnly(set.group(), members.stream().map(m -> m.endpoint().id()).toList());
    return start("apply", "apply " + set.group() + " v" + set.version(), members, m -> {
      AgentId id = m.endpoint().id();
      Optional<ApplyResult> held = acks.held(m, set, fingerprint, epoch);
      if (held.isPresent()) {
        skipped.increment();
        return CompletableFuture.completedFuture(AgentCallResult.ok(id, held.get()));
      }
      long stream = AcknowledgedSets.streamOf(m);
      CompletableFuture<ApplyResult> call = m.client().applyAsync(epoch, set);
      return FanOut.cancelling(call, call.handle((r, e) -> {
        if (e != null) {
          acks.failed(id, set.group());
          throw asUnchecked(e);
        }
        acks.answered(m, stream, set, fingerprint, epoch, r);
        return AgentCallResult.ok(id, r);
      }));
    });
  }

  @Override
  public Map<AgentId, AgentCallResult> swapPort(GroupName group, LbGroups lbGroups, int servicePort, int targetPort,
      Epoch epoch) {
    return start("swap_port", "swap port " + servicePort + "->" + targetPort, fleet.serving(group.value(), lbGroups),
        m -> {
          CompletableFuture<?> call = m.client().swapPortAsync(epoch, group, servicePort, targetPort);
          return FanOut.cancelling(call, call.thenApply(r -> AgentCallResult.ok(m.endpoint().id())));
        })
        .await();
  }

  @Override
  public Map<AgentId, ConnectionSample> latestSamples(GroupName group, LbGroups lbGroups) {
    Map<AgentId, ConnectionSample> out = new LinkedHashMap<>();
    for (AgentFleet.Member m : fleet.serving(group.value(), lbGroups)) {
      m.subscription().latest().ifPresent(s -> out.put(m.endpoint().id(), s));
    }
    return out;
  }

  @Override
  public Map<AgentId, TrafficReading> readTraffic(GroupName group, LbGroups lbGroups) {
    Map<AgentId, TrafficReading> out = new ConcurrentHashMap<>();
    start("read_traffic", "read traffic of " + group, fleet.serving(group.value(), lbGroups), m -> {
      CompletableFuture<TrafficReading> call = m.client().readTrafficAsync(group);
      return FanOut.cancelling(call, call.thenApply(r -> {
        out.put(m.endpoint().id(), r);
        return AgentCallResult.ok(m.endpoint().id());
      }));
    }).await();
    return new TreeMap<>(out);
  }

  @Override
  public Map<AgentId, AgentCallResult> shutdownSessions(GroupName group, LbGroups lbGroups, String server,
      Epoch epoch) {
    return start("shutdown_sessions", "shutdown sessions " + group + "/" + server, fleet.serving(group.value(), lbGroups),
        m -> {
          CompletableFuture<?> call = m.client().shutdownSessionsAsync(epoch, group, server);
          return FanOut.cancelling(call, call.thenApply(r -> AgentCallResult.ok(m.endpoint().id())));
        })
        .await();
  }

  private Collecting start(String call, String what, List<AgentFleet.Member> members,
      Function<AgentFleet.Member, CompletableFuture<AgentCallResult>> perAgent) {
    long startedAt = System.nanoTime();
    FanOut f = FanOut.start(members, window, fleet.callDeadline(), what, perAgent);
    Timer timer = Timer.builder("zdd_fleet_fanout_duration_seconds")
        .description("fleet-wide agent calls, from the first send to the last answer (or deadline)")
        .tag("call", call)
        .publishPercentileHistogram()
        .register(registry);
    var unused = CompletableFuture.allOf(f.results().values().toArray(CompletableFuture[]::new))
        .whenComplete((v, e) -> timer.record(System.nanoTime() - startedAt, TimeUnit.NANOSECONDS));
    return new Collecting(f);
  }

  private static RuntimeException asUnchecked(Throwable e) {
    return e instanceof RuntimeException r ? r : new IllegalStateException(e);
  }

  /** A fleet-wide call under way: each agent's result as it completes, or all of them. */
  public static final class Collecting {
    private final FanOut fanOut;

    private Collecting(FanOut fanOut) {
      this.fanOut = fanOut;
    }

    /** Each agent's result, completing as the agent answers (never exceptionally). */
    public Map<AgentId, CompletableFuture<AgentCallResult>> results() {
      return fanOut.results();
    }

    /** Waits for every agent's result (each bounded by its call's deadline). */
    public Map<AgentId, AgentCallResult> await() {
      return fanOut.await();
    }
  }
}
