package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.zdd.common.model.AdminState;
import io.zdd.common.model.HealthCheck;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime client and master CLI against a real HAProxy 2.6 started by the test. */
class RuntimeClientIT {
  @TempDir Path dir;
  TestBackends backends;
  HaproxyProcess haproxy;
  HaproxyRuntimeClient rt;
  int feport;

  @BeforeEach
  void start() throws Exception {
    backends = new TestBackends();
    TestBackends.Backend a = backends.start("a");
    feport = TestBackends.freePort();
    Files.writeString(dir.resolve("zdd.cfg"), """
        frontend fe
          bind 127.0.0.1:%d
          mode tcp
          default_backend be
        backend be
          mode tcp
          balance roundrobin
          server a 127.0.0.1:%d weight 10
        """.formatted(feport, a.port()));
    haproxy = HaproxyProcess.start(HaproxyPaths.DEFAULT_BINARY, dir, BaseConfig.defaults(dir), Duration.ofSeconds(10));
    rt = haproxy.runtime();
  }

  @AfterEach
  void stop() {
    haproxy.close();
    backends.close();
  }

  @Test
  void addEnableWeightDrainMaintDelete() throws Exception {
    TestBackends.Backend b = backends.start("b");
    rt.addServer("be", "b", "127.0.0.1", b.port(),
        new ServerOptions(0, Optional.of(new HealthCheck("", 200, 1, 2)), false));
    ServerStateRow added = rt.showServersState("be").stream().filter(r -> r.server().equals("b")).findFirst().orElseThrow();
    assertThat(added.adminState()).isEqualTo(AdminState.MAINT);
    assertThat(added.userWeight()).isZero();
    assertThat(added.port()).isEqualTo(b.port());

    assertThatThrownBy(() -> rt.addServer("be", "b", "127.0.0.1", b.port(), new ServerOptions(0, Optional.empty(), false)))
        .isInstanceOf(ServerExistsException.class);
    assertThatThrownBy(() -> rt.setWeight("be", "nope", 1)).isInstanceOf(NoSuchServerException.class);
    assertThatThrownBy(() -> rt.setWeight("nobe", "b", 1)).isInstanceOf(NoSuchServerException.class);

    rt.enableHealth("be", "b");
    rt.setState("be", "b", AdminState.DRAIN);
    await().atMost(Duration.ofSeconds(5)).until(() ->
        rt.showServerStats("be").stream().anyMatch(r -> r.name().equals("b") && r.checkStatus().equals("L4OK")));
    rt.setState("be", "b", AdminState.READY);
    rt.setWeight("be", "b", 10);
    await().atMost(Duration.ofSeconds(3)).until(() -> {
      try (HttpProbe p = new HttpProbe(feport, false)) {
        return p.get().equals("b");
      }
    });
    assertThatThrownBy(() -> rt.delServer("be", "b")).isInstanceOf(ServerNotRemovableException.class)
        .hasMessageContaining("maintenance");
    rt.setState("be", "b", AdminState.MAINT);
    rt.enableServer("be", "b");
    assertThat(rt.showServersState("be")).filteredOn(r -> r.server().equals("b"))
        .extracting(ServerStateRow::adminState).containsExactly(AdminState.READY);
    rt.setState("be", "b", AdminState.MAINT);
    rt.shutdownSessions("be", "b");
    rt.delServer("be", "b");
    assertThat(rt.showServersState("be")).extracting(ServerStateRow::server).containsExactly("a");
    assertThatThrownBy(() -> rt.delServer("be", "b")).isInstanceOf(NoSuchServerException.class);
  }

  @Test
  void showStatAndInfoComeFromTheCurrentWorker() {
    List<StatRow> rows = rt.showStat();
    assertThat(rows).anySatisfy(r -> {
      assertThat(r.proxy()).isEqualTo("be");
      assertThat(r.name()).isEqualTo("a");
      assertThat(r.weight()).isEqualTo(10);
    });
    ProcTable procs = haproxy.masterCli().showProc();
    assertThat(rt.showInfo().pid()).isEqualTo(procs.currentPid());
    assertThat(rt.showInfo().version()).startsWith("2.6");
    assertThat(procs.masterPid()).isEqualTo(haproxy.masterPid().orElseThrow().intValue());
  }

  @Test
  void attachingUsesTheSocketsAndNeverStopsSomeoneElsesHaproxy() {
    HaproxyProcess attached = HaproxyProcess.attach(haproxy.paths(), Duration.ofSeconds(2));
    assertThat(attached.masterPid()).isEmpty();
    assertThat(attached.runtime().showInfo().pid()).isEqualTo(rt.showInfo().pid());
    attached.close();
    assertThat(rt.showInfo().pid()).isEqualTo(haproxy.masterCli().showProc().currentPid());
  }

  @Test
  void stopEndsMasterAndWorkers() {
    long master = haproxy.masterPid().orElseThrow();
    int worker = haproxy.masterCli().showProc().currentPid();
    haproxy.stop(Duration.ofSeconds(10));
    assertThat(ProcessHandle.of(master).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(worker).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void reloadIsConfirmedAndOldWorkerIsReadableThroughTheMaster() throws Exception {
    MasterCli master = haproxy.masterCli();
    try (HttpProbe held = new HttpProbe(feport, true)) {
      assertThat(held.get()).isEqualTo("a");
      int before = master.showProc().currentPid();
      MasterCli.ReloadOutcome out = master.reloadAndWait(Duration.ofSeconds(10));
      assertThat(out.succeeded()).isTrue();
      assertThat(out.newWorkerPid()).isNotEqualTo(before);
      assertThat(out.after().oldWorkers()).extracting(ProcTable.Proc::pid).contains(before);
      HaproxyInfo old = master.showInfo(before).orElseThrow();
      assertThat(old.stopping()).isTrue();
      assertThat(old.currentConnections()).isEqualTo(1);
      // TCP mode: the held client connection keeps its server session in the old worker.
      assertThat(master.showServerStats(before, "be").orElseThrow())
          .anySatisfy(r -> {
            assertThat(r.name()).isEqualTo("a");
            assertThat(r.scur()).isEqualTo(1);
          });
      assertThat(rt.showServerStats("be")).allSatisfy(r -> assertThat(r.scur()).isZero());
    }
    assertThat(master.showInfo(999_999)).isEmpty();
  }

  @Test
  void failedReloadIsDetectedAndOldWorkerKeepsServing() throws Exception {
    int taken = TestBackends.freePort();
    try (ServerSocket squatter = new ServerSocket(taken, 1, InetAddress.getByName("127.0.0.1"))) {
      Files.writeString(dir.resolve("zdd.cfg"), Files.readString(dir.resolve("zdd.cfg"))
          + "frontend extra\n  mode tcp\n  bind 127.0.0.1:" + taken + "\n  default_backend be\n");
      int before = haproxy.masterCli().showProc().currentPid();
      MasterCli.ReloadOutcome out = haproxy.masterCli().reloadAndWait(Duration.ofSeconds(10));
      assertThat(out.succeeded()).isFalse();
      assertThat(out.after().currentPid()).isEqualTo(before);
      try (HttpProbe p = new HttpProbe(feport, false)) {
        assertThat(p.get()).isEqualTo("a");
      }
    }
  }
}
