package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.Epoch;
import io.zdd.common.testing.Timing;
import io.zdd.coordinator.engine.fakes.FakeFleet;
import io.zdd.coordinator.service.DeploymentSupervisor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A deployment waiting for blue to drain acts on the sample that shows the last connection gone,
 * not on its next step: with a step delay of an hour, the kill follows the sample at once.
 */
class DrainWakeTest {
  @Test
  void theSampleThatShowsBlueIdle_wakesTheDrain_insteadOfTheStepDelay() throws Exception {
    Harness h = new Harness();
    h.seedBlue(1);
    AtomicBoolean held = new AtomicBoolean(true);
    for (FakeFleet.LbAgent lb : h.fleet.all()) {
      lb.connections = (s, t) -> new FakeFleet.Conns(held.get() && s.colour() == io.zdd.common.model.Colour.BLUE ? 1 : 0, 0);
    }
    Deployment d = h.start(Harness.appJson(1), Harness.options().stepDelay(Duration.ofHours(1)).build());
    // Up to the drain on the fake clock (no waiting), then a leader takes over on real time.
    while (h.record().phase() != Phase.DRAIN_BLUE) {
      Tick t = d.tick();
      if (t.kind() == Tick.Kind.WAIT) {
        h.clock.advance(t.delay());
      }
    }
    h.epoch++;
    DeploymentSupervisor leader = new DeploymentSupervisor(Epoch.of(h.epoch), h.engine());
    try {
      leader.resumeAll(List.of(Harness.GROUP));
      await().atMost(Timing.seconds(10)).until(() -> h.events(EventKind.DRAIN_PROGRESS).size() >= 1);
      List<ConnectionSample> busy = List.copyOf(h.fleet.latestSamples(Harness.GROUP, LbGroups.NONE).values());
      busy.forEach(leader::onSample);

      held.set(false);
      long t0 = System.nanoTime();
      h.fleet.latestSamples(Harness.GROUP, LbGroups.NONE).values().forEach(leader::onSample);

      await().atMost(Timing.seconds(10)).until(() -> h.writes().stream().anyMatch(w -> w.startsWith("DELETE /web-blue")
          || w.startsWith("KILL")));
      System.out.printf("blue killed %d ms after the sample that showed it idle%n", (System.nanoTime() - t0) / 1_000_000);
    } finally {
      leader.close();
    }
    assertThat(h.allViolations()).isEmpty();
  }
}
