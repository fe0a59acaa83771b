package io.zdd.agent.haproxy;

import static io.zdd.agent.haproxy.Harness.server;
import static io.zdd.agent.haproxy.Harness.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.zdd.agent.core.ConnectionSampler;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ColourFrontend;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ObservedServer;
import io.zdd.common.model.ProxyMode;
import io.zdd.common.model.ServerConnections;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller and sampler against a real HAProxy 2.6 with real local backends. */
class HaproxyBackendControllerIT {
  static final GroupName WEB = GroupName.of("web");

  @TempDir Path dir;
  TestBackends apps;
  Harness h;
  TestBackends.Backend a;
  TestBackends.Backend b;
  TestBackends.Backend c;
  int port;

  @BeforeEach
  void start() {
    apps = new TestBackends();
    a = apps.start("a");
    b = apps.start("b");
    c = apps.start("c");
    port = TestBackends.freePort();
    h = new Harness(dir, ControllerSettings.defaults().withRemoval(RemovalPolicy.DELETE_WHEN_IDLE,
        Duration.ofMillis(300)), Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() {
    h.close();
    apps.close();
  }

  BackendSet web(long v, int wa, int wb, int wc, AdminState sc) {
    return set("web", v, port, ProxyMode.TCP, Optional.of(Harness.FAST_CHECK), List.of(
        server("a", a, wa, AdminState.READY), server("b", b, wb, AdminState.READY), server("c", c, wc, sc)));
  }

  Map<String, Integer> split(int requests) throws IOException {
    Map<String, Integer> hits = new HashMap<>();
    for (int i = 0; i < requests; i++) {
      try (HttpProbe p = new HttpProbe(port, false)) {
        hits.merge(p.get(), 1, Integer::sum);
      }
    }
    return hits;
  }

  ServerConnections conn(String server) {
    return h.sampler.sample(Set.of(WEB)).servers().stream()
        .filter(s -> s.server().equals(server)).findFirst().orElseThrow();
  }

  @Test
  void addThreeShiftWeightsDrainWithHeldConnectionThenDelete() throws Exception {
    ApplyResult first = h.controller.apply(web(1, 10, 10, 10, AdminState.READY), Epoch.of(1));
    assertThat(first.reloaded()).isTrue();
    assertThat(first.observed().servers()).extracting(ObservedServer::name).containsExactly("a", "b", "c");
    await().atMost(Duration.ofSeconds(5)).until(() ->
        h.controller.observe().get(0).servers().stream().allMatch(ObservedServer::isUp));
    Map<String, Integer> even = split(60);
    assertThat(even).containsOnlyKeys("a", "b", "c");
    assertThat(even.values()).allSatisfy(n -> assertThat(n).isBetween(15, 25));

    // Shift: a 30, b 10, c 0. Runtime only: three weight commands, no reload.
    ApplyResult shifted = h.controller.apply(web(2, 30, 10, 0, AdminState.READY), Epoch.of(1));
    assertThat(shifted.reloaded()).isFalse();
    assertThat(shifted.runtimeCommands()).isEqualTo(2);
    Map<String, Integer> skewed = split(60);
    assertThat(skewed.getOrDefault("c", 0)).isZero();
    assertThat(skewed.get("a")).isBetween(40, 50);
    assertThat(skewed.get("b")).isBetween(10, 20);

    // Back to c in service, then hold one connection through c.
    h.controller.apply(web(3, 10, 10, 10, AdminState.READY), Epoch.of(1));
    HttpProbe held = null;
    for (int i = 0; i < 10 && held == null; i++) {
      HttpProbe p = new HttpProbe(port, true);
      if (p.get().equals("c")) {
        held = p;
      } else {
        p.close();
      }
    }
    assertThat(held).as("a keep-alive connection landed on c").isNotNull();
    ApplyResult drained = h.controller.apply(web(4, 10, 10, 10, AdminState.DRAIN), Epoch.of(1));
    assertThat(drained.observed().server("c").orElseThrow().adminState()).isEqualTo(AdminState.DRAIN);
    assertThat(conn("c").scur()).isEqualTo(1);
    assertThat(conn("c").adminState()).isEqualTo(AdminState.DRAIN);
    assertThat(split(20)).doesNotContainKey("c");
    // The held connection still works through the draining server.
    assertThat(held.get()).isEqualTo("c");

    // Remove c from the desired set: MAINT at once, deleted only when idle everywhere.
    BackendSet withoutC = set("web", 5, port, ProxyMode.TCP, Optional.of(Harness.FAST_CHECK),
        List.of(server("a", a, 10, AdminState.READY), server("b", b, 10, AdminState.READY)));
    h.controller.apply(withoutC, Epoch.of(1));
    assertThat(conn("c").adminState()).isEqualTo(AdminState.MAINT);
    assertThat(conn("c").scur()).isEqualTo(1);
    assertThat(h.controller.purgeRetiredServers(h.sampler::idleEverywhere)).isEmpty();
    Thread.sleep(400); // longer than the settle period: still not deleted, the connection is open
    assertThat(h.controller.purgeRetiredServers(h.sampler::idleEverywhere)).isEmpty();
    assertThat(h.controller.pendingRemovals()).containsExactly("zdd_be_web/c");

    held.close();
    await().atMost(Duration.ofSeconds(3)).until(() -> conn("c").scur() == 0);
    await().atMost(Duration.ofSeconds(3)).until(() ->
        !h.controller.purgeRetiredServers(h.sampler::idleEverywhere).isEmpty());
    assertThat(h.haproxy.runtime().showServersState("zdd_be_web")).extracting(ServerStateRow::server)
        .containsExactly("a", "b");
    // A server-only change: the file follows in the background.
    await().atMost(Duration.ofSeconds(10)).until(() -> !Files.readString(dir.resolve("zdd.cfg")).contains("server c "));
  }

  /**
   * Port swap: a keep-alive client that connected to blue's own frontend before the swap keeps
   * that connection. Once blue is drained (and then gone), its next requests must be served by
   * green through the group's main backend, not answered 503 by an empty colour backend.
   */
  @Test
  void aKeepAliveClientOfTheOldColoursFrontendIsServedByTheNewColourAfterTheSwap() throws Exception {
    int[] colourPorts = {TestBackends.freePort(), TestBackends.freePort()};
    List<ColourFrontend> frontends = List.of(new ColourFrontend(Colour.BLUE, colourPorts[0]),
        new ColourFrontend(Colour.GREEN, colourPorts[1]));
    BackendServer blue = new BackendServer("a", "127.0.0.1", a.port(), 10, AdminState.READY, Colour.BLUE, "task-a");
    BackendServer green = new BackendServer("b", "127.0.0.1", b.port(), 10, AdminState.READY, Colour.GREEN, "task-b");
    h.controller.apply(swapSet(1, List.of(blue, green), frontends), Epoch.of(1));
    await().atMost(Duration.ofSeconds(5)).until(() ->
        h.controller.observe().get(0).servers().stream().allMatch(ObservedServer::isUp));
    try (HttpProbe client = new HttpProbe(colourPorts[0], true)) {
      assertThat(client.get()).isEqualTo("a");

      // The swap is done; blue drains, then goes. The client still holds blue's frontend.
      h.controller.apply(swapSet(2, List.of(blue.withWeight(0).withAdminState(AdminState.DRAIN), green), frontends),
          Epoch.of(1));
      assertThat(client.get()).isEqualTo("b");
      h.controller.apply(swapSet(3, List.of(green), frontends), Epoch.of(1));
      assertThat(client.get()).isEqualTo("b");
      assertThat(client.get()).isEqualTo("b");
    }
    // Blue's frontend still reaches only blue while blue is in service.
    h.controller.apply(swapSet(4, List.of(blue, green), frontends), Epoch.of(1));
    await().atMost(Duration.ofSeconds(5)).until(() ->
        h.controller.observe().get(0).servers().stream().allMatch(ObservedServer::isUp));
    for (int i = 0; i < 5; i++) {
      try (HttpProbe fresh = new HttpProbe(colourPorts[0], false)) {
        assertThat(fresh.get()).isEqualTo("a");
      }
    }
  }

  private BackendSet swapSet(long v, List<BackendServer> servers, List<ColourFrontend> frontends) {
    return new BackendSet(WEB, v, port, ProxyMode.HTTP, "roundrobin", Optional.of(Harness.FAST_CHECK), servers, frontends);
  }

  @Test
  void applyingTheSameSetTwiceSendsNoRuntimeCommands() {
    h.controller.apply(web(1, 10, 10, 0, AdminState.DRAIN), Epoch.of(1));
    h.controller.apply(web(2, 20, 5, 0, AdminState.MAINT), Epoch.of(1));
    long before = h.haproxy.runtime().changeCommands();
    ApplyResult again = h.controller.apply(web(2, 20, 5, 0, AdminState.MAINT), Epoch.of(1));
    assertThat(again.reloaded()).isFalse();
    assertThat(again.runtimeCommands()).isZero();
    assertThat(h.haproxy.runtime().changeCommands()).isEqualTo(before);
    assertThat(again.observed().server("a").orElseThrow().weight()).isEqualTo(20);
    assertThat(again.observed().server("c").orElseThrow().adminState()).isEqualTo(AdminState.MAINT);
  }

  @Test
  void runtimeChangesAreWrittenToTheFileSoAReloadKeepsThem() throws Exception {
    h.controller.apply(web(1, 10, 10, 10, AdminState.READY), Epoch.of(1));
    TestBackends.Backend d = apps.start("d");
    BackendSet more = set("web", 2, port, ProxyMode.TCP, Optional.of(Harness.FAST_CHECK), List.of(
        server("a", a, 7, AdminState.READY), server("b", b, 10, AdminState.MAINT), server("c", c, 10, AdminState.READY),
        server("d", d, 3, AdminState.READY)));
    ApplyResult r = h.controller.apply(more, Epoch.of(1));
    assertThat(r.reloaded()).isFalse();
    // A new server waits in DRAIN (checked, no traffic) until its first check passes; the apply
    // does not wait for that, the next look (the reload watcher's, each poll) promotes it.
    assertThat(r.observed().server("d").orElseThrow().adminState()).isEqualTo(AdminState.DRAIN);
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      h.controller.promoteHealthy();
      return h.controller.observe().get(0).server("d").orElseThrow().adminState() == AdminState.READY;
    });
    ObservedServer promoted = h.controller.observe().get(0).server("d").orElseThrow();
    assertThat(promoted.weight()).isEqualTo(3);
    assertThat(promoted.checkStatus()).endsWith("OK");
    // A plain reload (no re-assertion running) reproduces the runtime changes from the file, once
    // the background write of this server-only change is in place.
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(dir.resolve("zdd.cfg"))
        .contains("server d 127.0.0.1:" + d.port() + " weight 3 "));
    assertThat(h.haproxy.masterCli().reloadAndWait(Duration.ofSeconds(10)).succeeded()).isTrue();
    await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
      var state = h.haproxy.runtime().showServersState("zdd_be_web");
      assertThat(state).extracting(ServerStateRow::server).containsExactly("a", "b", "c", "d");
      assertThat(state).filteredOn(s -> s.server().equals("a")).extracting(ServerStateRow::userWeight).containsExactly(7);
      assertThat(state).filteredOn(s -> s.server().equals("b")).extracting(ServerStateRow::adminState)
          .containsExactly(AdminState.MAINT);
    });
  }

  @Test
  void configRefusedByHaproxyCheckLeavesRunningConfigAndTrafficAlone() throws Exception {
    h.controller.apply(web(1, 10, 10, 10, AdminState.READY), Epoch.of(1));
    String before = Files.readString(dir.resolve("zdd.cfg"));
    // The operator's base config already has a proxy named like the one the agent would render:
    // valid on its own, refused by 'haproxy -c' together with the agent's file.
    Files.writeString(dir.resolve("base.cfg"), Files.readString(dir.resolve("base.cfg"))
        + "\nbackend zdd_be_clash\n  mode http\n");
    int other = TestBackends.freePort();
    BackendSet clash = set("clash", 1, other, ProxyMode.HTTP, Optional.empty(), List.of(server("x", a, 1, AdminState.READY)));
    int workerBefore = h.haproxy.masterCli().showProc().currentPid();
    assertThatThrownBy(() -> h.controller.apply(clash, Epoch.of(1)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("haproxy_config")
        .hasMessageContaining("zdd_be_clash");
    assertThat(Files.readString(dir.resolve("zdd.cfg"))).isEqualTo(before);
    assertThat(h.haproxy.masterCli().showProc().currentPid()).isEqualTo(workerBefore);
    assertThat(h.controller.desired()).containsOnlyKeys(WEB);
    assertThat(split(9).values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(9);
  }

  @Test
  void failedReloadRestoresTheLastGoodFile() throws Exception {
    h.controller.apply(web(1, 10, 10, 10, AdminState.READY), Epoch.of(1));
    String before = Files.readString(dir.resolve("zdd.cfg"));
    int taken = TestBackends.freePort();
    try (ServerSocket squatter = new ServerSocket(taken, 1,
        InetAddress.getByName("127.0.0.1"))) {
      // 'haproxy -c' does not bind: this passes the check and fails at reload.
      BackendSet second = set("second", 1, taken, ProxyMode.HTTP, Optional.empty(),
          List.of(server("x", a, 1, AdminState.READY)));
      assertThatThrownBy(() -> h.controller.apply(second, Epoch.of(1)))
          .isInstanceOf(io.zdd.common.error.PreconditionException.class)
          .hasMessageContaining("reload failed")
          // HAProxy's own words, from its output.
          .hasMessageContaining("cannot bind socket");
    }
    assertThat(Files.readString(dir.resolve("zdd.cfg"))).isEqualTo(before);
    assertThat(h.controller.desired()).containsOnlyKeys(WEB);
    assertThat(split(3)).isNotEmpty();
  }

  @Test
  void aPortUsedByAnotherGroupIsRefusedBeforeAnythingChanges() throws Exception {
    h.controller.apply(web(1, 10, 10, 10, AdminState.READY), Epoch.of(1));
    String before = Files.readString(dir.resolve("zdd.cfg"));
    BackendSet same = set("other", 1, port, ProxyMode.HTTP, Optional.empty(), List.of(server("x", a, 1, AdminState.READY)));
    assertThatThrownBy(() -> h.controller.apply(same, Epoch.of(1)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("backend_set.frontend_port")
        .hasMessageContaining("group web");
    assertThat(Files.readString(dir.resolve("zdd.cfg"))).isEqualTo(before);
  }

  @Test
  void aServerMovedToAnotherPortIsChangedInPlace() {
    h.controller.apply(web(1, 10, 10, 10, AdminState.READY), Epoch.of(1));
    TestBackends.Backend moved = apps.start("c2");
    BackendSet next = set("web", 2, port, ProxyMode.TCP, Optional.of(Harness.FAST_CHECK), List.of(
        server("a", a, 10, AdminState.READY), server("b", b, 10, AdminState.READY), server("c", moved, 10, AdminState.READY)));
    ApplyResult r = h.controller.apply(next, Epoch.of(1));
    assertThat(r.reloaded()).isFalse();
    assertThat(r.runtimeCommands()).isEqualTo(1);
    assertThat(r.observed().server("c").orElseThrow().port()).isEqualTo(moved.port());
    await().atMost(Duration.ofSeconds(3)).until(() -> split(6).containsKey("c2"));
  }

  @Test
  void aRestartedAgentRecoversItsGroupsFromTheFileAndDoesNotReloadForKnownOnes() throws Exception {
    TestBackends.Backend z = apps.start("z");
    int zport = TestBackends.freePort();
    BackendSet zeta = set("zeta", 1, zport, ProxyMode.HTTP, Optional.empty(), List.of(server("z", z, 5, AdminState.READY)));
    h.controller.apply(web(1, 10, 10, 10, AdminState.READY), Epoch.of(1));
    h.controller.apply(zeta, Epoch.of(1));
    String file = Files.readString(dir.resolve("zdd.cfg"));

    // A new controller over the same HAProxy and file: what a restarted agent has.
    HaproxyBackendController fresh = new HaproxyBackendController(h.haproxy.runtime(), h.haproxy.masterCli(),
        h.applier, new HaproxyConfigRenderer("127.0.0.1", 3), ControllerSettings.defaults(), Clock.systemUTC());
    assertThat(fresh.desired()).containsOnlyKeys(WEB, GroupName.of("zeta"));
    ApplyResult again = fresh.apply(zeta, Epoch.of(1));
    assertThat(again.reloaded()).isFalse();
    assertThat(again.runtimeCommands()).isZero();
    assertThat(Files.readString(dir.resolve("zdd.cfg"))).isEqualTo(file);
    // A change to a known group reloads, and the group it has not seen yet keeps serving.
    BackendSet zeta2 = new BackendSet(GroupName.of("zeta"), 2, zport, ProxyMode.HTTP, "leastconn", Optional.empty(),
        List.of(server("z", z, 5, AdminState.READY)), List.of());
    assertThat(fresh.apply(zeta2, Epoch.of(2)).reloaded()).isTrue();
    assertThat(Files.readString(dir.resolve("zdd.cfg"))).contains("frontend zdd_fe_web\n");
    assertThat(split(3)).isNotEmpty();
    fresh.close();
  }

  @Test
  void aGroupOnAPortTheBaseConfigBinds_isRefusedAndTheBaseFrontendKeepsAllItsTraffic() throws Exception {
    // What Marathon-LB's own config looks like to the agent in attach mode: a frontend per app.
    Files.writeString(dir.resolve("base.cfg"), Files.readString(dir.resolve("base.cfg")) + """

        frontend mlb_app
          bind 127.0.0.1:%d
          mode tcp
          default_backend mlb_app
        backend mlb_app
          mode tcp
          server a 127.0.0.1:%d
        """.formatted(port, a.port()));
    h.applier.apply(h.applier.current(), true); // HAProxy now serves the base frontend
    assertThat(split(5)).containsOnlyKeys("a");

    assertThatThrownBy(() -> h.controller.apply(web(1, 10, 10, 10, AdminState.READY), Epoch.of(1)))
        .isInstanceOf(io.zdd.common.error.InvalidInputException.class)
        .hasMessageContaining("port " + port + " is already bound by the base config (mlb_app");

    assertThat(h.controller.desired()).isEmpty();
    assertThat(split(30)).containsOnlyKeys("a");
  }

  @Test
  void aNewServerThatFailsItsFirstCheckIsNeverPutInService() throws Exception {
    HaproxyBackendController strict = new HaproxyBackendController(h.haproxy.runtime(), h.haproxy.masterCli(),
        h.applier, new HaproxyConfigRenderer("127.0.0.1", 3),
        new ControllerSettings(RemovalPolicy.KEEP_IN_MAINT, Duration.ofSeconds(1),
            ControllerSettings.defaults().frontendPorts()), Clock.systemUTC());
    strict.apply(set("web", 1, port, ProxyMode.TCP, Optional.of(Harness.FAST_CHECK),
        List.of(server("a", a, 10, AdminState.READY))), Epoch.of(1));
    int deadPort = TestBackends.freePort(); // nothing listens there
    BackendSet withDead = set("web", 2, port, ProxyMode.TCP, Optional.of(Harness.FAST_CHECK), List.of(
        server("a", a, 10, AdminState.READY),
        new io.zdd.common.model.BackendServer("dead", "127.0.0.1", deadPort, 100, AdminState.READY,
            io.zdd.common.model.Colour.GREEN, "")));
    ApplyResult r = strict.apply(withDead, Epoch.of(1));
    // Held in DRAIN (checked, no traffic) instead of READY at weight 100 before any check passed.
    assertThat(r.observed().server("dead").orElseThrow().adminState()).isEqualTo(AdminState.DRAIN);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
      strict.promoteHealthy();
      return !strict.observe().get(0).server("dead").orElseThrow().checkStatus().isEmpty();
    });
    ObservedServer dead = strict.observe().get(0).server("dead").orElseThrow();
    assertThat(dead.adminState()).isEqualTo(AdminState.DRAIN);
    assertThat(dead.checkStatus()).isNotEmpty().doesNotEndWith("OK");
    assertThat(split(20)).containsOnlyKeys("a");
    StatRow deadRow = h.haproxy.runtime().showServerStats("zdd_be_web").stream()
        .filter(x -> x.name().equals("dead")).findFirst().orElseThrow();
    assertThat(deadRow.stot()).as("sessions ever sent to the dead server").isZero();
  }

  @Test
  void workersAndVersionAreReported() {
    h.controller.apply(web(1, 10, 10, 10, AdminState.READY), Epoch.of(1));
    assertThat(h.controller.haproxyVersion()).startsWith("2.6");
    assertThat(h.controller.workers()).singleElement().satisfies(w -> assertThat(w.current()).isTrue());
    ConnectionSampler.Counts counts = h.sampler.sample(Set.of());
    assertThat(counts.servers()).extracting(ServerConnections::server).containsExactly("a", "b", "c");
    assertThat(counts.workers()).singleElement().satisfies(w -> assertThat(w.current()).isTrue());
    assertThat(h.controller.removeGroup(WEB)).isTrue();
    assertThat(h.controller.removeGroup(WEB)).isFalse();
    assertThat(h.sampler.sample(Set.of()).servers()).isEmpty();
  }
}
