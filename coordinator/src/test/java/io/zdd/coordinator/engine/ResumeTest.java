package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.coordinator.engine.fakes.RecordingStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Failover: the coordinator "dies" right after each save of a deployment (the record is stored,
 * the action it announced is not yet done). A new engine instance, with a newer epoch and the same
 * Marathon, fleet and store, rebuilds the deployment from the stored record and must end the same
 * way: same outcome, the same Marathon writes (an idempotent write may be repeated, never with a
 * different effect), no task killed twice, and no kill of a task some LB had not drained.
 */
class ResumeTest {

  /** A scenario: seeds the harness, then starts the deployment. */
  private record Scenario(String name, Consumer<Harness> seed, DeploymentOptions options, int instances) {}

  private static final class Result {
    Outcome outcome;
    List<String> writes;
    Set<String> apps;
    List<String> killed;
    List<String> violations;
    int saves;
    long epoch;
  }

  private static Result run(Scenario s, int crashAfter) throws Exception {
    Harness h = new Harness();
    s.seed().accept(h);
    if (crashAfter > 0) {
      h.store.crashAfterSave(crashAfter);
    }
    Deployment d;
    try {
      d = h.start(Harness.appJson(s.instances()), s.options());
      h.run(d);
      if (d.record().traffic().awaitingPromote()) {
        d.promote();
        h.run(d);
      }
    } catch (RecordingStore.Crash crash) {
      h.epoch++;
      Optional<Deployment> resumed = h.engine().resume(Harness.GROUP);
      // The crash came after the final save: nothing is left to resume.
      d = resumed.orElse(null);
      if (d != null) {
        assertThat(d.record().epoch()).isEqualTo(h.epoch);
        h.run(d);
        if (d.record().traffic().awaitingPromote()) {
          d.promote();
          h.run(d);
        }
      } else {
        assertThat(h.record().running()).isFalse();
        h.epoch = 2;
      }
    }
    Result r = new Result();
    r.outcome = h.record().outcome();
    r.writes = h.writes();
    r.apps = h.marathon.appIds();
    r.killed = h.marathon.killedTaskIds();
    r.violations = h.allViolations();
    r.saves = h.store.saves().size();
    r.epoch = h.epoch;
    return r;
  }

  private static List<String> withoutRepeats(List<String> writes) {
    List<String> out = new ArrayList<>();
    for (String w : writes) {
      if (out.isEmpty() || !out.get(out.size() - 1).equals(w)) {
        out.add(w);
      }
    }
    return out;
  }

  private static void crashAfterEverySave(Scenario s) throws Exception {
    Result clean = run(s, 0);
    assertThat(clean.violations).isEmpty();
    for (int k = 1; k <= clean.saves; k++) {
      Result r = run(s, k);
      String at = s.name() + ", crash after save " + k + " of " + clean.saves;
      assertThat(r.outcome).as(at).isEqualTo(clean.outcome);
      assertThat(withoutRepeats(r.writes)).as(at).isEqualTo(clean.writes);
      assertThat(r.apps).as(at).isEqualTo(clean.apps);
      assertThat(new HashSet<>(r.killed)).as(at + ": no task killed twice").hasSize(r.killed.size());
      assertThat(r.killed).as(at).containsExactlyInAnyOrderElementsOf(clean.killed);
      assertThat(r.violations).as(at).isEmpty();
      assertThat(r.epoch).as(at).isEqualTo(2);
    }
  }

  @Test
  void blueToGreenThreeInstances_resumesFromEverySaveWithTheSameOutcome() throws Exception {
    crashAfterEverySave(new Scenario("blue->green", h -> h.seedBlue(3), Harness.options().build(), 3));
  }

  @Test
  void firstDeploy_resumesFromEverySave() throws Exception {
    crashAfterEverySave(new Scenario("first deploy", h -> { }, Harness.options().build(), 2));
  }

  @Test
  void canaryPromoted_resumesFromEverySave() throws Exception {
    crashAfterEverySave(new Scenario("canary", h -> h.seedBlue(4), Harness.options().newInstances(1).build(), 4));
  }

  @Test
  void weightSteps_resumeFromEverySave() throws Exception {
    crashAfterEverySave(new Scenario("weights", h -> h.seedBlue(2),
        Harness.options().trafficSteps(List.of(20, 100)).stepPause(Duration.ofSeconds(30)).build(), 2));
  }

  @Test
  void rollbackAfterBlueKills_resumesFromEverySave() throws Exception {
    // Green's first task gets healthy, its second never does: one blue task is killed, then the
    // health deadline rolls back, scaling blue back up before traffic returns.
    crashAfterEverySave(new Scenario("rollback", h -> {
      h.seedBlue(3);
      h.marathon.healthyTaskLimit("/web-green", 1);
    }, Harness.options().healthTimeout(Duration.ofSeconds(60)).build(), 3));
  }

  @Test
  void rollbackScenario_reallyKillsBlueAndRestoresIt() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.marathon.healthyTaskLimit("/web-green", 1);
    Deployment d = h.start(Harness.appJson(3), Harness.options().healthTimeout(Duration.ofSeconds(60)).build());
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(h.writes()).containsExactly("POST /web-green 1", "KILL /web-blue [web-blue.0001]", "PUT /web-green 2",
        "PUT /web-blue 3", "DELETE /web-green");
  }
}
