package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.coordinator.engine.fakes.RecordingStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A leader saved KILL_BLUE with the task ids and lost its session; its kill reached Marathon
 * anyway (Marathon calls carry no epoch), so Marathon reports those tasks as TASK_KILLING when the
 * new leader resumes. The new leader must not kill them again nor report them killed twice.
 */
class KillAfterTakeoverTest {
  @Test
  void tasksAlreadyBeingKilled_areNotKilledOrReportedAgainAfterTakeover() throws Exception {
    for (int crashAfter = 1; crashAfter < 200; crashAfter++) {
      Harness h = new Harness();
      h.seedBlue(3);
      h.store.crashAfterSave(crashAfter);
      try {
        Deployment d = h.start(Harness.appJson(3), Harness.options().build());
        h.run(d);
        return; // ran to the end without reaching a KILL_BLUE save that kills by tasks/delete
      } catch (RecordingStore.Crash crash) {
        if (h.store.load(Harness.GROUP).isEmpty()) {
          continue;
        }
        DeploymentRecord saved = h.record();
        if (saved.phase() != Phase.KILL_BLUE || saved.killingTaskIds().isEmpty() || saved.traffic().complete()) {
          continue;
        }
        List<String> ids = saved.killingTaskIds();
        h.marathon.reportKilling.addAll(ids); // the deposed leader's kill went through
        int killCallsBefore = (int) h.writes().stream().filter(w -> w.startsWith("KILL")).count();
        int killedEventsBefore = h.events(EventKind.TASKS_KILLED).size();

        h.epoch++;
        Deployment resumed = h.engine().resume(Harness.GROUP).orElseThrow();
        h.store.crashAfterSave(-1);
        h.run(resumed);

        assertThat(resumed.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
        List<String> laterKills = h.writes().stream().filter(w -> w.startsWith("KILL")).skip(killCallsBefore).toList();
        assertThat(laterKills).as("kills after takeover").noneMatch(w -> ids.stream().anyMatch(w::contains));
        assertThat(h.events(EventKind.TASKS_KILLED).stream().skip(killedEventsBefore)
            .flatMap(e -> e.killedTaskIds().stream())).doesNotContainAnyElementsOf(ids);
        assertThat(resumed.record().killedTaskIds()).containsAll(ids);
        return;
      }
    }
    throw new AssertionError("no crash point in KILL_BLUE with tasks to kill was found");
  }
}
