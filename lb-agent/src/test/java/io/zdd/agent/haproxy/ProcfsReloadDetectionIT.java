package io.zdd.agent.haproxy;

import static io.zdd.agent.haproxy.Harness.server;
import static io.zdd.agent.haproxy.Harness.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.agent.exec.ProcessCommandRunner;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.ProxyMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reload watcher's cheap detector against a real HAProxy 2.6: reloads from outside the agent
 * (a signal to the master, the master CLI's own {@code reload}) are noticed through the master's
 * children in {@code /proc} and the desired state is re-asserted, while idle ticks never ask the
 * master CLI; and the backstop poll still reports a master that stops answering.
 */
class ProcfsReloadDetectionIT {
  @TempDir Path dir;
  TestBackends apps;
  Harness h;
  int port;
  ReloadWatcher watcher;

  @BeforeEach
  void start() {
    apps = new TestBackends();
    port = TestBackends.freePort();
    h = new Harness(dir);
  }

  @AfterEach
  void stop() {
    if (watcher != null) {
      watcher.close();
    }
    h.close();
    apps.close();
  }

  /** A watcher whose backstop is far away unless asked: only /proc can tell it of a reload. */
  private ReloadWatcher procfsWatcher(Duration backstop) {
    watcher = new ReloadWatcher(h.haproxy.masterCli(), h.controller, h.sampler, h.executor, Duration.ofMillis(100),
        ReloadWatcher.Detection.PROCFS, backstop, Path.of("/proc"));
    return watcher;
  }

  private Map<String, String> runtimeState() {
    return h.haproxy.runtime().showServersState("zdd_be_web").stream()
        .collect(Collectors.toMap(ServerStateRow::server, r -> r.adminState() + "/" + r.userWeight()));
  }

  private void signal(String sig) {
    long master = h.haproxy.masterPid().orElseThrow();
    var r = new ProcessCommandRunner().run(List.of("kill", "-" + sig, Long.toString(master)), Duration.ofSeconds(5));
    assertThat(r.ok()).as(r.message()).isTrue();
  }

  /** Weights and a drain that only the runtime API holds: a reload loses them unless re-asserted. */
  private Map<String, String> applyRuntimeOnlyState() {
    var a = apps.start("a");
    var b = apps.start("b");
    h.controller.apply(set("web", 1, port, ProxyMode.HTTP, Optional.of(Harness.FAST_CHECK), List.of(
        server("a", a, 10, AdminState.READY), server("b", b, 10, AdminState.READY))), Epoch.of(1));
    assertThat(h.controller.apply(set("web", 2, port, ProxyMode.HTTP, Optional.of(Harness.FAST_CHECK), List.of(
        server("a", a, 40, AdminState.READY), server("b", b, 10, AdminState.DRAIN))), Epoch.of(1)).reloaded())
        .isFalse();
    Map<String, String> want = Map.of("a", "READY/40", "b", "DRAIN/10");
    assertThat(runtimeState()).isEqualTo(want);
    return want;
  }

  @Test
  void idleTicks_readProcOnly_andNeverAskTheMasterCli() {
    ReloadWatcher w = procfsWatcher(Duration.ofHours(1));
    w.tick();
    assertThat(w.watchingProcfs()).as("the master was found in /proc").isTrue();
    long polls = w.fullPolls();
    for (int i = 0; i < 50; i++) {
      w.tick();
    }
    assertThat(w.fullPolls()).isEqualTo(polls);
    assertThat(w.problem(Duration.ofHours(1))).isEmpty();
  }

  @Test
  void killUsr2OfTheMaster_isNoticedInProc_andReasserted() {
    Map<String, String> want = applyRuntimeOnlyState();
    ReloadWatcher w = procfsWatcher(Duration.ofHours(1));
    w.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> w.currentPid() != 0 && w.watchingProcfs());
    int before = w.currentPid();

    signal("USR2");

    await().atMost(Duration.ofSeconds(10)).until(() -> w.reloadsSeen() == 1);
    assertThat(w.currentPid()).isNotEqualTo(before);
    await().atMost(Duration.ofSeconds(2)).until(() -> runtimeState().equals(want));
    assertThat(w.oldWorkers()).as("the old worker is tracked (or already gone)").allMatch(p -> p == before);
  }

  @Test
  void masterCliReload_isNoticedInProc_andReasserted() {
    Map<String, String> want = applyRuntimeOnlyState();
    ReloadWatcher w = procfsWatcher(Duration.ofHours(1));
    w.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> w.currentPid() != 0 && w.watchingProcfs());

    h.haproxy.masterCli().reload();

    await().atMost(Duration.ofSeconds(10)).until(() -> w.reloadsSeen() == 1);
    await().atMost(Duration.ofSeconds(2)).until(() -> runtimeState().equals(want));
  }

  @Test
  void aMasterThatStopsAnswering_isReportedByTheBackstopPoll_thoughProcStillShowsIt() {
    ReloadWatcher w = procfsWatcher(Duration.ofMillis(500));
    w.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> w.currentPid() != 0 && w.watchingProcfs());
    assertThat(w.problem(Duration.ofSeconds(2))).isEmpty();

    signal("STOP");
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> w.problem(Duration.ofSeconds(2)).isPresent());
      assertThat(w.watchingProcfs()).as("/proc alone would have said all is well").isTrue();
    } finally {
      signal("CONT");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> w.problem(Duration.ofSeconds(2)).isEmpty());
  }
}
