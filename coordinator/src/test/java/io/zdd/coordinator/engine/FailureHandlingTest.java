package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.error.ConflictException;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.UnavailableException;
import io.zdd.coordinator.engine.fakes.FakeMarathon;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Unhealthy green, slow LBs, Marathon errors on every write, the pre-kill hook. */
class FailureHandlingTest {

  @Test
  void newTasksNeverHealthy_rollsBackWithinTheHealthDeadline() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.marathon.neverHealthy("/web-green");
    Instant start = h.clock.instant();
    Deployment d = h.start(Harness.appJson(3), Harness.options().healthTimeout(Duration.ofSeconds(120)).build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(d.record().rollback().reason()).contains("health timeout");
    assertThat(d.record().finishedAt()).isBefore(start.plus(Duration.ofSeconds(120 + 30)));
    assertThat(h.writes()).containsExactly("POST /web-green 1", "DELETE /web-green");
    assertThat(h.marathon.app("/web-blue").orElseThrow().instances).isEqualTo(3);
    assertThat(h.marathon.killedTaskIds()).noneMatch(id -> id.startsWith("web-blue"));
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void greenDiesAfterSomeBlueWasKilled_rollbackRestoresBlueBeforeMovingTraffic() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    // Run until the first blue task is gone, then make green's new tasks never healthy.
    while (h.marathon.killedTaskIds().isEmpty()) {
      Tick t = d.tick();
      if (t.kind() == Tick.Kind.WAIT) {
        h.clock.advance(t.delay());
      }
    }
    h.marathon.neverHealthy("/web-green");
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    List<String> w = h.writes();
    assertThat(w).containsSubsequence("KILL /web-blue [web-blue.0001]", "PUT /web-green 2", "PUT /web-blue 3",
        "DELETE /web-green");
    FakeMarathon.App blue = h.marathon.app("/web-blue").orElseThrow();
    assertThat(blue.instances).isEqualTo(3);
    // The restored blue task was checked UP on every LB at weight 0 before it got traffic.
    FakeMarathon.Task restored = blue.tasks.get(blue.tasks.size() - 1);
    assertThat(h.fleet.agent("lb1").statesOf(Harness.server(restored))).startsWith("READY/0");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void oneLbSlowToPassChecks_greenGetsTrafficOnlyOnceEveryLbHasItUp() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.fleet.agent("lb2").checkDelay = Duration.ofSeconds(60);
    Instant start = h.clock.instant();
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.allViolations()).isEmpty();
    // Green task 1 is healthy at +10 s but UP on lb2 only at +70 s: no blue task drains before.
    DeploymentEvent firstShift = h.events(EventKind.TRAFFIC_SHIFTED).get(0);
    assertThat(firstShift.at()).isAfterOrEqualTo(start.plus(Duration.ofSeconds(70)));
  }

  @Test
  void preKillHookFails_rollsBackBeforeAnyKill() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.hookExitCode = 3;
    Deployment d = h.start(Harness.appJson(3), Harness.options().preKillHook("notify").build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(d.record().rollback().reason()).contains("pre-kill hook exited with 3");
    assertThat(h.hookCalls).containsExactly("[\"web-blue.0001\"]");
    assertThat(h.marathon.killedTaskIds()).noneMatch(id -> id.startsWith("web-blue"));
    assertThat(h.marathon.appIds()).containsExactly("/web-blue");
  }

  @Test
  void preKillHookPasses_isCalledBeforeEveryKill() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().preKillHook("notify").build());
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.hookCalls).containsExactly("[\"web-blue.0001\"]", "[\"web-blue.0002\"]", "[\"web-blue.0003\"]");
  }

  static Stream<Arguments> transientErrors() {
    Stream.Builder<Arguments> b = Stream.builder();
    for (String op : List.of("create", "scale", "kill", "delete")) {
      b.add(Arguments.of(op, "409", (Supplier<RuntimeException>) () -> new ConflictException("App is locked by one or more deployments")));
      b.add(Arguments.of(op, "503", (Supplier<RuntimeException>) () -> new UnavailableException("HTTP 503 from Marathon")));
      b.add(Arguments.of(op, "timeout", (Supplier<RuntimeException>) () -> new DeadlineExceededException("no answer within 10s")));
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("transientErrors")
  void transientErrorOnAWrite_isRetriedAndTheDeploymentSucceeds(String op, String code, Supplier<RuntimeException> error)
      throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.marathon.failAlways(op, error.get(), 2);
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.writes()).containsExactly("POST /web-green 1", "KILL /web-blue [web-blue.0001]", "PUT /web-green 2",
        "KILL /web-blue [web-blue.0002]", "PUT /web-green 3", "DELETE /web-blue");
    assertThat(h.events(EventKind.WARNING)).anyMatch(e -> e.message().contains("retrying"));
    assertThat(h.allViolations()).isEmpty();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("transientErrors")
  void persistentErrorOnAWrite_stopsRetryingAtTheRetryTimeout(String op, String code, Supplier<RuntimeException> error)
      throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.marathon.failAlways(op, error.get(), 1000);
    Deployment d = h.start(Harness.appJson(3), Harness.options().marathonRetryTimeout(Duration.ofSeconds(60)).build());
    h.run(d);

    DeploymentRecord r = d.record();
    switch (op) {
      // Green could not be grown after a blue task was killed, and blue cannot be scaled back
      // either: the rollback stops, reported FAILED, with traffic still where it was.
      case "scale" -> {
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.message()).contains("rollback stopped");
        assertThat(h.marathon.appIds()).containsExactlyInAnyOrder("/web-blue", "/web-green");
      }
      // Green could not be created or blue could not be killed: traffic back to blue, green removed.
      case "create", "kill" -> {
        assertThat(r.outcome()).isEqualTo(Outcome.ROLLED_BACK);
        assertThat(r.rollback().reason()).contains("Marathon kept failing");
        assertThat(h.marathon.appIds()).containsExactly("/web-blue");
        assertThat(h.marathon.app("/web-blue").orElseThrow().instances).isEqualTo(3);
      }
      // Only the clean-up failed: green serves everything; the leftover app is reported.
      default -> {
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.message()).contains("deleting /web-blue failed");
      }
    }
    assertThat(h.allViolations()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"create", "scale", "kill", "delete"})
  void marathon422OnAWrite_rollsBackWithoutRetrying(String op) throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.marathon.failNext(op, new InvalidInputException("instances", "Object is not valid (422)"));
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    h.run(d);

    DeploymentRecord r = d.record();
    if (op.equals("delete")) {
      assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
      assertThat(h.marathon.appIds()).contains("/web-green", "/web-blue");
    } else {
      assertThat(r.outcome()).isEqualTo(Outcome.ROLLED_BACK);
      assertThat(r.rollback().reason()).contains("422");
      assertThat(h.marathon.appIds()).containsExactly("/web-blue");
      assertThat(h.marathon.app("/web-blue").orElseThrow().instances).isEqualTo(3);
    }
    assertThat(h.events(EventKind.WARNING)).noneMatch(e -> e.message().contains("retrying"));
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void greenDeleteFailsDuringRollback_endsFailedWithGreenLeftDrained() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.marathon.neverHealthy("/web-green");
    h.marathon.failAlways("delete", new UnavailableException("HTTP 502"), 1000);
    Deployment d = h.start(Harness.appJson(3), Harness.options().marathonRetryTimeout(Duration.ofSeconds(30)).build());
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.FAILED);
    assertThat(d.record().message()).contains("rollback stopped");
    assertThat(h.marathon.app("/web-blue").orElseThrow().instances).isEqualTo(3);
  }

  @Test
  void oneLbNeverPassesGreensChecks_rollsBackAtTheHealthDeadlineWithoutKilling() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.fleet.agent("lb2").checkDelay = Duration.ofDays(1);
    Deployment d = h.start(Harness.appJson(3), Harness.options().healthTimeout(Duration.ofSeconds(90)).build());
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(d.record().rollback().reason()).contains("not UP on every LB");
    assertThat(h.marathon.killedTaskIds()).noneMatch(id -> id.startsWith("web-blue"));
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void blueTaskThatNeverServed_isRetiredWithoutWaitingForAnLbToReportIt() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.marathon.healthyTaskLimit("/web-blue", 2);
    Deployment d = h.start(Harness.appJson(3), Harness.options().drainPolicy(DrainPolicy.ABORT)
        .maxWait(Duration.ofSeconds(60)).build());
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void marathonReadsFailingForAWhile_areRetriedWithoutChangingTheOutcome() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    d.tick();
    h.marathon.failAlways("get", new DeadlineExceededException("GET /v2/apps/web-green: no answer within 10s"), 5);
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.writes()).containsExactly("POST /web-green 1", "KILL /web-blue [web-blue.0001]", "PUT /web-green 2",
        "KILL /web-blue [web-blue.0002]", "PUT /web-green 3", "DELETE /web-blue");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void marathonUnavailableAtPreflight_refusesTheStartAndChangesNothing() {
    Harness h = new Harness();
    h.seedBlue(3);
    h.marathon.failNext("list", new UnavailableException("HTTP 503 from Marathon"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.start(Harness.appJson(3), Harness.options().build()))
        .isInstanceOf(UnavailableException.class);
    assertThat(h.writes()).isEmpty();
    assertThat(h.store.saves()).isEmpty();
    assertThat(h.fleet.calls()).isEmpty();
  }
}
