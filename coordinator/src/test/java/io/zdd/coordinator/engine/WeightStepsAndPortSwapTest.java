package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.coordinator.engine.fakes.FakeFleet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** --traffic steps with largest-remainder weights, and --swap port. */
class WeightStepsAndPortSwapTest {

  private static double greenShare(BackendSet set) {
    return Harness.greenShare(set);
  }

  @Test
  void trafficSteps_holdAtEachStepWithTheExactShareOnEveryLbUntilPromoted() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().trafficSteps(List.of(5, 25, 50, 100)).build());

    for (int pct : new int[] {5, 25, 50}) {
      Tick t = h.run(d);
      assertThat(t.kind()).isEqualTo(Tick.Kind.HELD);
      for (FakeFleet.LbAgent lb : h.fleet.all()) {
        assertThat(greenShare(lb.applied)).as("share on %s", lb.id).isEqualTo(pct);
        assertThat(lb.applied.servers()).allMatch(s -> s.weight() <= 256);
      }
      DeploymentEvent shifted = h.events(EventKind.TRAFFIC_SHIFTED).get(h.events(EventKind.TRAFFIC_SHIFTED).size() - 1);
      assertThat(shifted.message()).contains("requested " + pct + "%, effective " + (double) pct + "%");
      assertThat(shifted.traffic()).contains(new TrafficShare(Colour.GREEN, pct));
      // Green is at full size before any traffic moves; nothing of blue is killed while holding.
      assertThat(h.marathon.app("/web-green").orElseThrow().instances).isEqualTo(3);
      assertThat(h.marathon.killedTaskIds()).isEmpty();
      d.promote();
    }
    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.writes()).containsExactly("POST /web-green 1", "PUT /web-green 2", "PUT /web-green 3", "DELETE /web-blue");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void trafficStepsWithAPause_advanceOnTheirOwnAfterThePause() throws Exception {
    Harness h = new Harness();
    h.seedBlue(2);
    Deployment d = h.start(Harness.appJson(2), Harness.options().trafficSteps(List.of(10, 50, 100))
        .stepPause(Duration.ofMinutes(1)).build());
    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.DONE);
    List<DeploymentEvent> shifts = h.events(EventKind.TRAFFIC_SHIFTED);
    assertThat(shifts.get(0).message()).contains("requested 10%");
    assertThat(shifts.get(1).message()).contains("requested 50%");
    assertThat(shifts.get(1).at()).isAfterOrEqualTo(shifts.get(0).at().plus(Duration.ofMinutes(1)));
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
  }

  @Test
  void abortAtATrafficStep_movesEveryLbBackToBlueThenRemovesGreen() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().trafficSteps(List.of(25, 100)).build());
    h.run(d);
    d.abort();
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    for (FakeFleet.LbAgent lb : h.fleet.all()) {
      assertThat(greenShare(lb.applied)).isZero();
      assertThat(lb.applied.servers()).allMatch(s -> s.colour() == Colour.BLUE && s.weight() == 100);
    }
    assertThat(h.marathon.appIds()).containsExactly("/web-blue");
    assertThat(h.writes()).doesNotContain("PUT /web-blue 3");
  }

  @Test
  void portSwap_redirectsThePublicPortOnEveryLbThenDrainsBlue() throws Exception {
    Harness h = new Harness();
    h.seedBlue(2);
    Deployment d = h.start(Harness.appJson(2), Harness.options().strategy(ShiftStrategy.PORT_SWAP)
        .swapFrontendPorts(20000, 20001).build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    // The public port first points at blue's own frontend, then at green's.
    assertThat(h.fleet.calls()).containsSubsequence("lb1 swap 10000->20000", "lb1 apply v3", "lb1 swap 10000->20001");
    assertThat(h.fleet.calls()).contains("lb2 swap 10000->20001");
    for (FakeFleet.LbAgent lb : h.fleet.all()) {
      assertThat(lb.redirectTarget).isEqualTo(20001);
      assertThat(lb.applied.colourFrontends()).extracting(f -> f.port()).containsExactly(20000, 20001);
    }
    assertThat(h.events(EventKind.TRAFFIC_SHIFTED).get(0).traffic()).contains(new TrafficShare(Colour.GREEN, 100));
    assertThat(h.writes()).endsWith("DELETE /web-blue");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void portSwapThenAbortInKeepPrevious_flipsThePortBackToBlue() throws Exception {
    Harness h = new Harness();
    h.seedBlue(2);
    Deployment d = h.start(Harness.appJson(2), Harness.options().strategy(ShiftStrategy.PORT_SWAP)
        .swapFrontendPorts(20000, 20001).keepPrevious(Duration.ofMinutes(5)).build());
    DrainPolicyTest.runUntil(h, d, Phase.KEEP_PREVIOUS);
    d.abort();
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(h.fleet.calls()).containsSubsequence("lb1 swap 10000->20001", "lb1 swap 10000->20000");
    assertThat(h.fleet.agent("lb2").redirectTarget).isEqualTo(20000);
    assertThat(h.marathon.killedTaskIds()).noneMatch(id -> id.startsWith("web-blue"));
  }
}
