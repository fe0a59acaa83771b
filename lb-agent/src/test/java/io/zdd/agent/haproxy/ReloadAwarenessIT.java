package io.zdd.agent.haproxy;

import static io.zdd.agent.haproxy.Harness.server;
import static io.zdd.agent.haproxy.Harness.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.agent.exec.ProcessCommandRunner;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HaproxyWorker;
import io.zdd.common.model.ProxyMode;
import io.zdd.common.model.ServerConnections;
import io.zdd.common.model.WorkerConnections;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reloads the agent did not make, and old workers that keep connections after a reload. */
class ReloadAwarenessIT {
  static final GroupName WEB = GroupName.of("web");

  @TempDir Path dir;
  TestBackends apps;
  Harness h;
  int port;

  @BeforeEach
  void start() {
    apps = new TestBackends();
    port = TestBackends.freePort();
    h = new Harness(dir);
  }

  @AfterEach
  void stop() {
    h.close();
    apps.close();
  }

  /** Admin state and weight per server as HAProxy's current worker has them. */
  Map<String, String> runtimeState() {
    return h.haproxy.runtime().showServersState("zdd_be_web").stream()
        .collect(Collectors.toMap(ServerStateRow::server, r -> r.adminState() + "/" + r.userWeight()));
  }

  int externalReload() {
    int before = h.haproxy.masterCli().showProc().currentPid();
    long master = h.haproxy.masterPid().orElseThrow();
    var r = new ProcessCommandRunner().run(List.of("kill", "-USR2", Long.toString(master)), Duration.ofSeconds(5));
    assertThat(r.ok()).as(r.message()).isTrue();
    int[] seen = new int[1];
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
      seen[0] = h.haproxy.masterCli().showProc().currentPid();
      return seen[0] != before;
    });
    return seen[0];
  }

  @Test
  void externalReloadAfterRuntimeChangesIsReassertedWithinOneSecond() {
    var a = apps.start("a");
    var b = apps.start("b");
    var c = apps.start("c");
    h.controller.apply(set("web", 1, port, ProxyMode.HTTP, Optional.of(Harness.FAST_CHECK), List.of(
        server("a", a, 10, AdminState.READY), server("b", b, 10, AdminState.READY),
        server("c", c, 10, AdminState.READY))), Epoch.of(1));
    // Runtime-only changes: weights, and a drain the config file cannot express.
    BackendSet desired = set("web", 2, port, ProxyMode.HTTP, Optional.of(Harness.FAST_CHECK), List.of(
        server("a", a, 40, AdminState.READY), server("b", b, 3, AdminState.READY),
        server("c", c, 10, AdminState.DRAIN)));
    assertThat(h.controller.apply(desired, Epoch.of(1)).reloaded()).isFalse();
    Map<String, String> want = Map.of("a", "READY/40", "b", "READY/3", "c", "DRAIN/10");
    assertThat(runtimeState()).isEqualTo(want);

    // Control: without the watcher, a signal-driven reload loses the drain.
    externalReload();
    await().atMost(Duration.ofSeconds(2)).until(() -> runtimeState().get("c").equals("READY/10"));

    h.watcher.start();
    await().atMost(Duration.ofSeconds(2)).until(() -> runtimeState().equals(want));
    long reloadsBefore = h.watcher.reloadsSeen();
    externalReload();
    // Measured from the moment the new worker is seen in show proc.
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> runtimeState().equals(want));
    await().atMost(Duration.ofSeconds(1)).until(() -> h.watcher.reloadsSeen() > reloadsBefore);
  }

  @Test
  void shutdownSessionsCutsConnectionsHeldByOldWorkersToo() throws Exception {
    var x = apps.start("x");
    h.controller.apply(set("tcpapp", 1, port, ProxyMode.TCP, Optional.empty(),
        List.of(server("x", x, 10, AdminState.READY))), Epoch.of(1));
    GroupName g = GroupName.of("tcpapp");
    try (HttpProbe old = new HttpProbe(port, true); HttpProbe current = new HttpProbe(port, true)) {
      assertThat(old.get()).isEqualTo("x");
      assertThat(h.haproxy.masterCli().reloadAndWait(Duration.ofSeconds(10)).succeeded()).isTrue();
      assertThat(current.get()).isEqualTo("x");
      assertThat(h.sampler.sample(Set.of(g)).servers().get(0).scur()).isEqualTo(2);

      assertThat(h.controller.shutdownSessions(g, "x")).isEqualTo(2);
      await().atMost(Duration.ofSeconds(3)).until(() -> h.sampler.sample(Set.of(g)).servers().get(0).scur() == 0);
      assertThat(h.haproxy.masterCli().showProc().oldWorkers()).isEmpty();
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.controller.shutdownSessions(g, "nope"))
        .isInstanceOf(io.zdd.common.error.NotFoundException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.controller.shutdownSessions(GroupName.of("other"), "x"))
        .isInstanceOf(io.zdd.common.error.NotFoundException.class);
  }

  @Test
  void oldWorkerConnectionsAreCountedUntilTheyClose() throws Exception {
    var x = apps.start("x");
    h.controller.apply(set("tcpapp", 1, port, ProxyMode.TCP, Optional.empty(),
        List.of(server("x", x, 10, AdminState.READY))), Epoch.of(1));
    h.watcher.start();
    GroupName g = GroupName.of("tcpapp");
    try (HttpProbe held = new HttpProbe(port, true)) {
      assertThat(held.get()).isEqualTo("x");
      int oldPid = h.haproxy.masterCli().showProc().currentPid();
      assertThat(h.haproxy.masterCli().reloadAndWait(Duration.ofSeconds(10)).succeeded()).isTrue();

      ServerConnections sx = h.sampler.sample(Set.of(g)).servers().get(0);
      assertThat(sx.server()).isEqualTo("x");
      assertThat(sx.scur()).isEqualTo(1);
      assertThat(sx.oldWorkerScur()).isEqualTo(1);
      // The new worker alone would say the server is drained.
      assertThat(h.haproxy.runtime().showServerStats("zdd_be_tcpapp").get(0).scur()).isZero();
      List<WorkerConnections> workers = h.sampler.sample(Set.of(g)).workers();
      assertThat(workers).anySatisfy(w -> {
        assertThat(w.pid()).isEqualTo(oldPid);
        assertThat(w.current()).isFalse();
        assertThat(w.connections()).isEqualTo(1);
      });
      assertThat(h.controller.workers()).extracting(HaproxyWorker::pid, HaproxyWorker::current)
          .contains(org.assertj.core.groups.Tuple.tuple(oldPid, false));
      await().atMost(Duration.ofSeconds(2)).until(() -> h.watcher.oldWorkers().contains(oldPid));
      // Still working through the old worker.
      assertThat(held.get()).isEqualTo("x");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> h.sampler.sample(Set.of(g)).servers().get(0).scur() == 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> h.watcher.oldWorkers().isEmpty());
    assertThat(h.sampler.sample(Set.of(g)).workers()).singleElement()
        .satisfies(w -> assertThat(w.current()).isTrue());
  }
}
