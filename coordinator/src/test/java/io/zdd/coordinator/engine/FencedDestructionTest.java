package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.StaleEpochException;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A leader deposed after its last fenced write of a tick (its session expired, another leader
 * bumped the epoch) must not kill or delete: a fenced write immediately precedes each destructive
 * Marathon call, after the tick's reads and after the pre-kill hook.
 */
class FencedDestructionTest {

  private static List<String> destructive(Harness h) {
    return h.writes().stream().filter(w -> w.startsWith("KILL") || w.startsWith("DELETE")).toList();
  }

  private static void runUntilDeposed(Harness h, Deployment d) {
    assertThatThrownBy(() -> h.run(d)).isInstanceOf(StaleEpochException.class);
  }

  @Test
  void deposedRightAfterSavingTheTasksToKill_killsNothing() {
    Harness h = new Harness();
    h.seedBlue(3);
    h.store.deposeAfter(r -> r.phase() == Phase.KILL_BLUE && !r.killingTaskIds().isEmpty());
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());

    runUntilDeposed(h, d);

    assertThat(destructive(h)).isEmpty();
    assertThat(h.record().killingTaskIds()).as("the saved intent stays for the next leader").isNotEmpty();
  }

  @Test
  void deposedWhileThePreKillHookRuns_killsNothing() {
    Harness h = new Harness();
    h.seedBlue(3);
    h.preKillHook = new io.zdd.coordinator.engine.port.PreKillHook() {
      @Override
      public Set<String> names() {
        return Set.of("notify");
      }

      @Override
      public int run(String name, String oldApp, String ids, String newApp) {
        h.store.depose(); // a new leader took over while the hook ran
        return 0;
      }
    };
    Deployment d = h.start(Harness.appJson(3), Harness.options().preKillHook("notify").build());

    runUntilDeposed(h, d);

    assertThat(destructive(h)).isEmpty();
  }

  @Test
  void deposedRightAfterEnteringFinish_deletesNothing() {
    Harness h = new Harness();
    h.seedBlue(2);
    Predicate<DeploymentRecord> finishing = r -> r.phase() == Phase.FINISH;
    h.store.deposeAfter(finishing);
    Deployment d = h.start(Harness.appJson(2), Harness.options().build());

    runUntilDeposed(h, d);

    assertThat(h.writes()).noneMatch(w -> w.startsWith("DELETE"));
    assertThat(h.record().phase()).isEqualTo(Phase.FINISH);
  }

  @Test
  void deposedRightAfterDecidingToDeleteGreen_deletesNothing() throws Exception {
    Harness h = new Harness();
    h.seedBlue(4);
    Deployment d = h.start(Harness.appJson(4), Harness.options().newInstances(1).build());
    h.run(d); // the canary holds; green exists
    assertThat(h.marathon.appIds()).contains("/web-green");
    h.store.deposeAfter(r -> r.phase() == Phase.ROLLBACK && r.rollback().step() == RollbackStep.DELETE_GREEN);
    d.abort();

    runUntilDeposed(h, d);

    assertThat(h.record().rollback().step()).isEqualTo(RollbackStep.DELETE_GREEN);
    assertThat(h.writes()).noneMatch(w -> w.startsWith("DELETE"));
    assertThat(h.marathon.appIds()).contains("/web-green");
  }

  @Test
  void aKillRepeatedAfterAFailure_isFencedAgain_evenWhenTheRecordWouldNotChange() {
    Harness h = new Harness();
    h.seedBlue(3);
    // The first kill fails (Marathon unreachable) after its fenced write; the leader is deposed
    // right after that write. The repeated kill, on the next tick, writes the same record again:
    // that write must still happen (and fail), or the deposed leader kills.
    h.marathon.failNext("kill", new io.zdd.common.error.UnavailableException("Marathon unreachable"));
    h.store.deposeAfter(r -> r.message().startsWith("killing drained blue tasks"));
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());

    runUntilDeposed(h, d);

    assertThat(destructive(h)).isEmpty();
  }
}
