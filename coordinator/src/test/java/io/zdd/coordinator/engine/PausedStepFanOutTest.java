package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zdd.common.testing.GrpcInProcessExtension;
import io.zdd.coordinator.fleet.FleetPortAdapter;
import io.zdd.coordinator.fleet.InProcessFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A weight-steps deployment against real gRPC agents (in process) through the real fleet port:
 * the engine re-applies the unchanged split on every tick of a step pause, and no agent gets it
 * again; an agent that restarts during the pause does.
 */
class PausedStepFanOutTest {
  @RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();
  private InProcessFleet lbs;

  @AfterEach
  void stop() {
    if (lbs != null) {
      lbs.close();
    }
  }

  @Test
  void duringAStepPause_noAgentGetsTheUnchangedSetAgain_butARestartedOneDoes() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    lbs = new InProcessFleet(grpc, Duration.ofSeconds(30), "lb1", "lb2", "lb3");
    await().until(lbs::allConnected);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // The periodic real re-send is an hour away here, so that every re-send seen is a decision of
    // the skip rules (FleetPortAdapterTest covers the re-check).
    FleetPortAdapter port = new FleetPortAdapter(lbs.fleet, h.clock, registry, Duration.ofHours(1), 256);
    EnginePorts p = h.ports();
    Deployment d = new DeploymentEngine(new EnginePorts(p.marathon(), port, p.store(), p.pendingProbe(), p.preKillHook(),
        p.events(), p.clock(), p.epoch()), () -> "d1")
        .start(Harness.appJson(3), Harness.options().trafficSteps(List.of(10, 50, 100)).stepPause(Duration.ofMinutes(1))
            .build());

    tickUntil(h, d, () -> d.record().traffic().step() == 0 && d.record().traffic().stepStartedAt() != null);
    long stepVersion = d.record().backendVersion();
    assertThat(lbs.all()).allMatch(a -> a.appliesOf(stepVersion).size() == 1);
    double skippedBefore = skipped(registry);

    // Half the pause: the engine ticks every step delay (5 s) and applies the same set each time.
    int ticks = tickFor(h, d, Duration.ofSeconds(30));
    assertThat(ticks).isGreaterThanOrEqualTo(5);
    assertThat(d.record().backendVersion()).isEqualTo(stepVersion);
    assertThat(lbs.all()).allMatch(a -> a.appliesOf(stepVersion).size() == 1);
    assertThat(skipped(registry) - skippedBefore).isGreaterThanOrEqualTo(3.0 * ticks);

    // lb2's process restarts (its stream breaks and reconnects): it alone gets the set again.
    long streams = lbs.streamsOpened("lb2");
    lbs.agent("lb2").restart();
    await().until(() -> lbs.streamsOpened("lb2") > streams && lbs.allConnected());
    tickFor(h, d, Duration.ofSeconds(10));
    assertThat(lbs.agent("lb2").appliesOf(stepVersion)).hasSize(2);
    assertThat(lbs.agent("lb1").appliesOf(stepVersion)).hasSize(1);
    assertThat(lbs.agent("lb3").appliesOf(stepVersion)).hasSize(1);

    // The next step goes out once to every agent, and no agent ever got one version twice but lb2.
    tickUntil(h, d, () -> d.record().traffic().step() == 1 && d.record().traffic().stepStartedAt() != null);
    for (InProcessFleet.FakeAgent a : List.of(lbs.agent("lb1"), lbs.agent("lb3"))) {
      assertThat(new HashSet<>(a.applies)).as(a.id).hasSameSizeAs(a.applies);
    }
    assertThat(d.record().backendVersion()).isGreaterThan(stepVersion);
    assertThat(h.allViolations()).isEmpty();
  }

  private static double skipped(SimpleMeterRegistry registry) {
    return registry.get("zdd_fleet_apply_skipped_total").counter().count();
  }

  /** Ticks, advancing the fake clock by each wait, until {@code done}. */
  private static void tickUntil(Harness h, Deployment d, BooleanSupplier done) {
    for (int i = 0; i < 1000 && !done.getAsBoolean(); i++) {
      tick(h, d);
    }
    assertThat(done.getAsBoolean()).as("reached within 1000 ticks; phase %s", d.record().phase()).isTrue();
  }

  /** Ticks, advancing the fake clock by each wait, for {@code span} of fake time; returns how many ticks. */
  private static int tickFor(Harness h, Deployment d, Duration span) {
    Instant until = h.clock.instant().plus(span);
    int ticks = 0;
    while (h.clock.instant().isBefore(until)) {
      tick(h, d);
      ticks++;
    }
    return ticks;
  }

  private static void tick(Harness h, Deployment d) {
    Tick t = d.tick();
    assertThat(t.kind()).isIn(Tick.Kind.WAIT, Tick.Kind.CONTINUE);
    if (t.kind() == Tick.Kind.WAIT) {
      h.clock.advance(t.delay());
    }
  }
}
