package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.coordinator.engine.fakes.FakeFleet;
import io.zdd.coordinator.engine.fakes.FakeMarathon;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * Drain on every LB, max-wait under each policy, an unreachable LB, the app's pending-operations
 * gauge, and keep-previous. The harness fails any kill of a task that some LB had not reported
 * drained in its latest sample.
 */
class DrainPolicyTest {

  /** Ticks (advancing the fake clock on waits) until the deployment reaches {@code phase}. */
  static void runUntil(Harness h, Deployment d, Phase phase) {
    for (int i = 0; i < 10_000 && d.record().phase() != phase; i++) {
      Tick t = d.tick();
      if (t.kind() == Tick.Kind.WAIT) {
        h.clock.advance(t.delay());
      }
    }
    assertThat(d.record().phase()).isEqualTo(phase);
  }

  /** blue task 1 keeps one session open on lb2 until {@code until} (forever when null). */
  static FakeMarathon.Task lingerOnLb2(Harness h, FakeMarathon.App blue, Instant until) {
    FakeMarathon.Task task = blue.tasks.get(0);
    String server = Harness.server(task);
    h.fleet.agent("lb2").connections = (s, now) ->
        new FakeFleet.Conns(s.name().equals(server) && (until == null || now.isBefore(until)) ? 1 : 0, 0);
    return task;
  }

  @Test
  void lingeringSessionUnderWait_keepsWaitingPastMaxWaitAndNeverKillsIt() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedBlue(3);
    FakeMarathon.Task task = lingerOnLb2(h, blue, null);
    Deployment d = h.start(Harness.appJson(3), Harness.options().drainPolicy(DrainPolicy.WAIT).build());
    Tick t = h.runFor(d, Duration.ofHours(2));

    assertThat(t.kind()).isEqualTo(Tick.Kind.WAIT);
    assertThat(d.record().phase()).isEqualTo(Phase.DRAIN_BLUE);
    assertThat(h.marathon.killedTaskIds()).doesNotContain(task.id);
    assertThat(h.events(EventKind.WARNING)).filteredOn(e -> e.message().contains("max-wait reached")).hasSize(1);
    DeploymentEvent progress = h.events(EventKind.DRAIN_PROGRESS).get(h.events(EventKind.DRAIN_PROGRESS).size() - 1);
    assertThat(progress.drain()).anyMatch(p -> p.agent().value().equals("lb2") && p.connections() == 1
        && p.serversDrained() == 0);
    assertThat(progress.drain()).anyMatch(p -> p.agent().value().equals("lb1") && p.serversDrained() == 1);

    // The session ends: the drain completes and the deployment finishes.
    h.fleet.agent("lb2").connections = (s, now) -> new FakeFleet.Conns(0, 0);
    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void lingeringSessionUnderShutdown_cutsSessionsOnEveryLbAtMaxWaitThenKills() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedBlue(3);
    FakeMarathon.Task task = lingerOnLb2(h, blue, null);
    Deployment d = h.start(Harness.appJson(3), Harness.options().drainPolicy(DrainPolicy.SHUTDOWN).build());
    runUntil(h, d, Phase.DRAIN_BLUE);
    Instant drainStart = d.record().drain().startedAt();
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    String server = Harness.server(task);
    assertThat(h.fleet.calls()).contains("lb1 shutdown " + server, "lb2 shutdown " + server);
    DeploymentEvent kill = h.events(EventKind.TASKS_KILLED).stream().filter(e -> e.killedTaskIds().contains(task.id))
        .findFirst().orElseThrow();
    assertThat(kill.at()).isAfterOrEqualTo(drainStart.plus(Duration.ofSeconds(300)));
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void lingeringSessionUnderAbort_rollsBackAtMaxWaitWithoutKillingIt() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedBlue(3);
    FakeMarathon.Task task = lingerOnLb2(h, blue, null);
    Deployment d = h.start(Harness.appJson(3), Harness.options().drainPolicy(DrainPolicy.ABORT).build());
    runUntil(h, d, Phase.DRAIN_BLUE);
    Instant drainStart = d.record().drain().startedAt();
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(d.record().rollback().reason()).contains("max-wait");
    assertThat(h.events(EventKind.PHASE_CHANGED)).anyMatch(e -> e.message().endsWith("ROLLBACK")
        && !e.at().isBefore(drainStart.plus(Duration.ofSeconds(300))));
    assertThat(h.marathon.killedTaskIds()).doesNotContain(task.id).noneMatch(id -> id.startsWith("web-blue"));
    assertThat(h.marathon.appIds()).containsExactly("/web-blue");
    // Blue's drained server is back in rotation on every LB.
    for (FakeFleet.LbAgent lb : h.fleet.all()) {
      assertThat(lb.statesOf(Harness.server(task))).endsWith("READY/100");
    }
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void oldWorkerStillHoldsASession_isNotDrainedUntilItCloses() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedBlue(3);
    FakeMarathon.Task task = blue.tasks.get(0);
    Instant release = h.clock.instant().plus(Duration.ofMinutes(2));
    h.fleet.agent("lb1").connections = (s, now) ->
        new FakeFleet.Conns(0, s.name().equals(Harness.server(task)) && now.isBefore(release) ? 1 : 0);
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    h.run(d);
    DeploymentEvent kill = h.events(EventKind.TASKS_KILLED).get(0);
    assertThat(kill.killedTaskIds()).containsExactly(task.id);
    assertThat(kill.at()).isAfterOrEqualTo(release);
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void oneLbUnreachableUnderWait_waitsWithoutKillingThenFinishesWhenItReturns() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().drainPolicy(DrainPolicy.WAIT).build());
    runUntil(h, d, Phase.DRAIN_BLUE);
    int killsBefore = h.marathon.killedTaskIds().size();
    h.fleet.agent("lb2").reachable = false;
    Tick t = h.runFor(d, Duration.ofHours(1));

    assertThat(t.kind()).isEqualTo(Tick.Kind.WAIT);
    assertThat(h.marathon.killedTaskIds()).hasSize(killsBefore);
    assertThat(h.events(EventKind.DRAIN_PROGRESS)).anyMatch(e -> e.drain().stream()
        .anyMatch(p -> p.agent().value().equals("lb2") && !p.fresh()));

    h.fleet.agent("lb2").reachable = true;
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void oneLbUnreachableUnderAbort_failsWithoutKillingOrDeletingAnything() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().drainPolicy(DrainPolicy.ABORT).build());
    runUntil(h, d, Phase.DRAIN_BLUE);
    h.fleet.agent("lb2").reachable = false;
    h.run(d);

    // The rollback cannot move lb2's traffic back, so green is not deleted: an operator must look.
    assertThat(d.record().outcome()).isEqualTo(Outcome.FAILED);
    assertThat(d.record().message()).contains("lb2");
    assertThat(h.marathon.killedTaskIds()).isEmpty();
    assertThat(h.marathon.appIds()).containsExactlyInAnyOrder("/web-blue", "/web-green");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void oneLbUnreachableUnderShutdown_cannotCutItsSessionsAndFailsWithoutKilling() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().drainPolicy(DrainPolicy.SHUTDOWN).build());
    runUntil(h, d, Phase.DRAIN_BLUE);
    h.fleet.agent("lb2").reachable = false;
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.FAILED);
    assertThat(h.events(EventKind.WARNING)).anyMatch(e -> e.message().contains("failed on [lb2"));
    assertThat(h.marathon.killedTaskIds()).isEmpty();
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void pendingGaugeAboveZero_taskIsKilledOnlyOnceItReadsZero() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedBlue(3);
    FakeMarathon.Task task = blue.tasks.get(0);
    h.gauges.put(task.address + ":" + task.port, OptionalDouble.of(4));
    Deployment d = h.start(Harness.appJson(3), Harness.options().pendingMetric("app_pending_transactions")
        .drainPolicy(DrainPolicy.WAIT).build());
    runUntil(h, d, Phase.DRAIN_BLUE);
    h.runFor(d, Duration.ofMinutes(20));

    assertThat(d.record().phase()).isEqualTo(Phase.DRAIN_BLUE);
    assertThat(h.marathon.killedTaskIds()).doesNotContain(task.id);
    assertThat(h.events(EventKind.WARNING)).anyMatch(e -> e.message().contains("pending operations"));
    assertThat(h.probeCalls).contains(List.of("app_pending_transactions", task.address,
        Integer.toString(task.port), "/metrics"));

    Instant zeroAt = h.clock.instant();
    h.gauges.put(task.address + ":" + task.port, OptionalDouble.of(0));
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    DeploymentEvent kill = h.events(EventKind.TASKS_KILLED).get(0);
    assertThat(kill.killedTaskIds()).containsExactly(task.id);
    assertThat(kill.at()).isAfterOrEqualTo(zeroAt);
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void pendingGaugeUnreadable_countsAsNotZero() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedBlue(3);
    FakeMarathon.Task task = blue.tasks.get(0);
    h.gauges.put(task.address + ":" + task.port, OptionalDouble.empty());
    Deployment d = h.start(Harness.appJson(3), Harness.options().pendingMetric("q").build());
    h.runFor(d, Duration.ofMinutes(30));
    assertThat(h.marathon.killedTaskIds()).doesNotContain(task.id);
  }

  @Test
  void pendingGaugeAboveZeroAtMaxWaitUnderAbort_rollsBackWithoutKillingIt() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedBlue(3);
    FakeMarathon.Task task = blue.tasks.get(0);
    h.gauges.put(task.address + ":" + task.port, OptionalDouble.of(1));
    String json = Harness.appJson(3).replace("\"HAPROXY_GROUP\": \"external\"",
        "\"HAPROXY_GROUP\": \"external\", \"ZDD_PENDING_METRIC\": \"jobs_queued\", \"ZDD_PENDING_METRIC_PATH\": \"/prom\"");
    Deployment d = h.start(json, Harness.options().drainPolicy(DrainPolicy.ABORT).build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(d.record().rollback().reason()).contains("pending operations");
    assertThat(h.marathon.killedTaskIds()).noneMatch(id -> id.startsWith("web-blue"));
    assertThat(h.probeCalls).anyMatch(c -> c.get(0).equals("jobs_queued") && c.get(3).equals("/prom"));
  }

  @Test
  void keepPrevious_blueStaysRunningAtWeightZeroUntilTheWindowEnds() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().keepPrevious(Duration.ofMinutes(10)).build());
    runUntil(h, d, Phase.KEEP_PREVIOUS);
    Instant windowStart = h.clock.instant();
    assertThat(h.marathon.killedTaskIds()).isEmpty();
    assertThat(h.marathon.app("/web-blue").orElseThrow().instances).isEqualTo(3);
    assertThat(h.marathon.app("/web-green").orElseThrow().instances).isEqualTo(3);
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.events(EventKind.TASKS_KILLED).get(0).at()).isAfterOrEqualTo(windowStart.plus(Duration.ofMinutes(10)));
    assertThat(h.writes()).containsExactly("POST /web-green 1", "PUT /web-green 2", "PUT /web-green 3", "DELETE /web-blue");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void abortInsideKeepPrevious_isAPureRoutingFlipThatStartsNoTask() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedBlue(3);
    List<FakeMarathon.Task> blueTasks = List.copyOf(blue.tasks);
    Deployment d = h.start(Harness.appJson(3), Harness.options().keepPrevious(Duration.ofMinutes(10)).build());
    runUntil(h, d, Phase.KEEP_PREVIOUS);
    int writesBefore = h.writes().size();
    h.clock.advance(Duration.ofMinutes(2));
    d.abort();
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    // No task was started or killed on blue: only green's delete followed the abort.
    assertThat(h.writes().subList(writesBefore, h.writes().size())).containsExactly("DELETE /web-green");
    assertThat(h.marathon.app("/web-blue").orElseThrow().tasks).extracting(t -> t.id)
        .containsExactlyElementsOf(blueTasks.stream().map(t -> t.id).toList());
    for (FakeMarathon.Task t : blueTasks) {
      for (FakeFleet.LbAgent lb : h.fleet.all()) {
        assertThat(lb.statesOf(Harness.server(t))).endsWith("DRAIN/0", "READY/100");
      }
    }
    assertThat(h.allViolations()).isEmpty();
  }
}
