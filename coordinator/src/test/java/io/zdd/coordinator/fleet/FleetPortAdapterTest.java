package io.zdd.coordinator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ProxyMode;
import io.zdd.common.testing.GrpcInProcessExtension;
import io.zdd.common.testing.MutableClock;
import io.zdd.coordinator.engine.LbGroups;
import io.zdd.coordinator.engine.port.AgentCallResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fleet-wide calls over real in-process gRPC agents: parallel, per-agent deadlines, no re-sends. */
class FleetPortAdapterTest {
  private static final GroupName WEB = GroupName.of("web");
  private static final LbGroups ALL = LbGroups.of(Map.of());
  private static final Epoch E1 = Epoch.of(1);

  @RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private InProcessFleet lbs;

  @AfterEach
  void stop() {
    if (lbs != null) {
      lbs.close();
    }
  }

  private FleetPortAdapter adapter(Duration deadline, int window, String... ids) {
    lbs = new InProcessFleet(grpc, deadline, ids);
    await().until(lbs::allConnected);
    return new FleetPortAdapter(lbs.fleet, clock, registry, FleetPortAdapter.RECHECK_AFTER, window);
  }

  private FleetPortAdapter adapter(String... ids) {
    return adapter(Duration.ofSeconds(30), FanOut.DEFAULT_WINDOW, ids);
  }

  private static BackendSet set(long version, int greenWeight) {
    return new BackendSet(WEB, version, 10000, ProxyMode.HTTP, "roundrobin", Optional.empty(), List.of(
        new BackendServer("10_0_0_1_31000", "10.0.0.1", 31000, 100, AdminState.READY, Colour.BLUE, "web-blue.1"),
        new BackendServer("10_0_0_2_31001", "10.0.0.2", 31001, greenWeight, AdminState.READY, Colour.GREEN, "web-green.1")),
        List.of());
  }

  private double skipped() {
    return registry.get("zdd_fleet_apply_skipped_total").counter().count();
  }

  @Test
  void aSetAnAgentAlreadyHolds_isNotSentAgain_andItsLastReadBackAnswers() {
    FleetPortAdapter port = adapter("lb1", "lb2", "lb3");
    Map<AgentId, AgentCallResult> first = port.applyEverywhere(set(1, 10), ALL, E1);
    Map<AgentId, AgentCallResult> second = port.applyEverywhere(set(1, 10), ALL, E1);
    Map<AgentId, AgentCallResult> third = port.applyEverywhere(set(1, 10), ALL, E1);

    for (InProcessFleet.FakeAgent a : lbs.all()) {
      assertThat(a.applies).as(a.id).containsExactly("web v1 e1");
    }
    assertThat(second).isEqualTo(first);
    assertThat(third).isEqualTo(first);
    assertThat(first.values()).allMatch(AgentCallResult::ok)
        .allMatch(r -> r.applied().orElseThrow().observed().appliedVersion() == 1);
    assertThat(skipped()).isEqualTo(6);
    assertThat(registry.get("zdd_fleet_fanout_duration_seconds").tag("call", "apply").timer().count()).isEqualTo(3);
  }

  @Test
  void aNewVersionContentOrEpoch_isSent() {
    FleetPortAdapter port = adapter("lb1", "lb2");
    port.applyEverywhere(set(1, 10), ALL, E1);
    port.applyEverywhere(set(2, 50), ALL, E1);
    port.applyEverywhere(set(2, 50), ALL, Epoch.of(2));
    // The same version with other content (a record edited by hand, a bug): sent, not trusted.
    port.applyEverywhere(set(2, 60), ALL, Epoch.of(2));

    for (InProcessFleet.FakeAgent a : lbs.all()) {
      assertThat(a.applies).as(a.id).containsExactly("web v1 e1", "web v2 e1", "web v2 e2", "web v2 e2");
    }
    assertThat(skipped()).isZero();
  }

  @Test
  void anAgentWhoseStreamReconnected_restartedOrNot_getsTheSetAgain() {
    FleetPortAdapter port = adapter("lb1", "lb2");
    port.applyEverywhere(set(1, 10), ALL, E1);
    long before = lbs.streamsOpened("lb2");

    lbs.agent("lb2").restart();
    await().until(() -> lbs.streamsOpened("lb2") > before && lbs.allConnected());
    Map<AgentId, AgentCallResult> after = port.applyEverywhere(set(1, 10), ALL, E1);

    assertThat(lbs.agent("lb1").applies).containsExactly("web v1 e1");
    assertThat(lbs.agent("lb2").applies).containsExactly("web v1 e1", "web v1 e1");
    assertThat(after.values()).allMatch(AgentCallResult::ok);
  }

  @Test
  void anAgentWhoseRegistrationChanged_getsTheSetAgain() {
    FleetPortAdapter port = adapter("lb1", "lb2");
    port.applyEverywhere(set(1, 10), ALL, E1);

    lbs.reRegister("lb2", List.of("web"));
    port.applyEverywhere(set(1, 10), ALL, E1);
    port.applyEverywhere(set(1, 10), ALL, E1);

    assertThat(lbs.agent("lb1").applies).containsExactly("web v1 e1");
    assertThat(lbs.agent("lb2").applies).containsExactly("web v1 e1", "web v1 e1");
  }

  @Test
  void afterAFailedCall_theAgentGetsTheSetAgain() {
    FleetPortAdapter port = adapter("lb1", "lb2");
    port.applyEverywhere(set(1, 10), ALL, E1);
    port.applyEverywhere(set(2, 10), ALL, E1);
    lbs.agent("lb2").failNext = 1;
    Map<AgentId, AgentCallResult> failed = port.applyEverywhere(set(3, 10), ALL, E1);
    assertThat(failed.get(AgentId.of("lb2")).error()).startsWith("UnavailableException");
    assertThat(failed.get(AgentId.of("lb1")).ok()).isTrue();

    port.applyEverywhere(set(3, 10), ALL, E1);

    assertThat(lbs.agent("lb1").appliesOf(3)).hasSize(1);
    assertThat(lbs.agent("lb2").appliesOf(3)).hasSize(2);
  }

  @Test
  void aReadBackWithAServerNotUpYet_isNotTrusted_theNextApplyReadsBackAgain() {
    FleetPortAdapter port = adapter("lb1");
    lbs.agent("lb1").status = "DOWN";
    port.applyEverywhere(set(1, 0), ALL, E1);
    port.applyEverywhere(set(1, 0), ALL, E1);
    lbs.agent("lb1").status = "UP";
    Map<AgentId, AgentCallResult> up = port.applyEverywhere(set(1, 0), ALL, E1);
    port.applyEverywhere(set(1, 0), ALL, E1);

    assertThat(lbs.agent("lb1").applies).hasSize(3);
    assertThat(up.get(AgentId.of("lb1")).applied().orElseThrow().observed().servers()).allMatch(s -> s.status().equals("UP"));
  }

  @Test
  void anAcknowledgedSetIsReallySentAgainAfterTheRecheckInterval() {
    FleetPortAdapter port = adapter("lb1");
    port.applyEverywhere(set(1, 10), ALL, E1);
    clock.advance(FleetPortAdapter.RECHECK_AFTER.minusSeconds(1));
    port.applyEverywhere(set(1, 10), ALL, E1);
    clock.advance(Duration.ofSeconds(1));
    port.applyEverywhere(set(1, 10), ALL, E1);
    port.applyEverywhere(set(1, 10), ALL, E1);

    assertThat(lbs.agent("lb1").applies).hasSize(2);
  }

  @Test
  void anAgentThatNeverAnswers_delaysOnlyItsOwnResult() {
    FleetPortAdapter port = adapter(Duration.ofMinutes(5), FanOut.DEFAULT_WINDOW, "lb1", "lb2", "lb3", "lb4");
    lbs.agent("lb2").hang = true;

    FleetPortAdapter.Collecting call = port.startApply(set(1, 10), ALL, E1);
    Map<AgentId, CompletableFuture<AgentCallResult>> results = call.results();
    List<AgentId> others = List.of(AgentId.of("lb1"), AgentId.of("lb3"), AgentId.of("lb4"));
    await().until(() -> others.stream().allMatch(a -> results.get(a).isDone()));

    // Every other agent has its read-back while lb2's call is still open on lb2.
    assertThat(results.get(AgentId.of("lb2"))).isNotDone();
    assertThat(lbs.agent("lb2").applies).containsExactly("web v1 e1");
    assertThat(others).allMatch(a -> results.get(a).join().ok());

    lbs.agent("lb2").releaseHung();
    Map<AgentId, AgentCallResult> all = call.await();
    assertThat(all.keySet()).containsExactly(AgentId.of("lb1"), AgentId.of("lb2"), AgentId.of("lb3"), AgentId.of("lb4"));
    assertThat(all.get(AgentId.of("lb2")).error()).startsWith("UnavailableException");
    assertThat(others).allMatch(a -> all.get(a).ok());
  }

  @Test
  void aHungCallEndsAtItsDeadline_asADomainFailureOfThatAgentOnly() {
    FleetPortAdapter port = adapter(Duration.ofMillis(300), FanOut.DEFAULT_WINDOW, "lb1", "lb2");
    lbs.agent("lb1").hang = true;

    Map<AgentId, AgentCallResult> all = port.applyEverywhere(set(1, 10), ALL, E1);

    assertThat(all.get(AgentId.of("lb1")).error()).startsWith("DeadlineExceededException");
    assertThat(all.get(AgentId.of("lb2")).ok()).isTrue();
    // The call was given up on, and gRPC cancelled it on the agent too.
    await().until(() -> lbs.inFlight.get() == 0);
  }

  @Test
  void noMoreCallsInFlightThanTheWindow() {
    FleetPortAdapter port = adapter(Duration.ofSeconds(30), 2, "lb1", "lb2", "lb3", "lb4", "lb5");
    lbs.all().forEach(a -> a.answerAfter = Duration.ofMillis(50));

    Map<AgentId, AgentCallResult> all = port.applyEverywhere(set(1, 10), ALL, E1);

    // An agent counts a call from its arrival until just before it answers, so the fan-out sees
    // an answer only after the agent stopped counting it: never more than the window at once.
    assertThat(lbs.maxInFlight.get()).isBetween(1, 2);
    assertThat(all.values()).hasSize(5).allMatch(AgentCallResult::ok);
    assertThat(lbs.all()).allMatch(a -> a.applies.size() == 1);
  }
}
