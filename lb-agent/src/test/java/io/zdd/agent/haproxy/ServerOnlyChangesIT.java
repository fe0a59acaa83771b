package io.zdd.agent.haproxy;

import static io.zdd.agent.haproxy.Harness.server;
import static io.zdd.agent.haproxy.Harness.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.common.concurrent.CallDeadline;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ProxyMode;
import io.zdd.common.testing.Timing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server-only changes ({@link ConfigSync#STRUCTURE}): answered from the runtime API without
 * {@code haproxy -c} or the file lock, with {@code zdd.cfg} following in the background; and
 * {@link ConfigSync#ALWAYS}, today's write-and-check before every change, for contrast. Real
 * HAProxy; the applier's {@code haproxy -c} runs counted (and held) through {@link ConfigChecks}.
 */
class ServerOnlyChangesIT {
  static final GroupName SHOP = GroupName.of("shop");
  static final GroupName BLOG = GroupName.of("blog");
  static final Epoch E1 = Epoch.of(1);

  @TempDir Path dir;
  final TestBackends apps = new TestBackends();
  final TestBackends.Backend app = apps.start("app");
  final ConfigChecks checks = new ConfigChecks();
  final ExecutorService pool = Executors.newCachedThreadPool();
  final int shopPort = TestBackends.freePort();
  final int blogPort = TestBackends.freePort();
  Harness h;

  void start(ConfigSync sync) {
    h = new Harness(dir, ControllerSettings.defaults().withConfigSync(sync), Duration.ofSeconds(30),
        HaproxyProcess::runtime, checks);
  }

  @AfterEach
  void stop() {
    checks.release();
    pool.shutdownNow();
    if (h != null) {
      h.close();
    }
    apps.close();
  }

  BackendSet shop(long version, int weight, String... more) {
    List<BackendServer> servers = new ArrayList<>(List.of(server("s", app, weight, AdminState.READY),
        server("t", app, 10, AdminState.READY)));
    for (String name : more) {
      servers.add(server(name, app, 5, AdminState.READY));
    }
    return set("shop", version, shopPort, ProxyMode.TCP, Optional.empty(), servers);
  }

  BackendSet blog(long version, String balance) {
    return new BackendSet(BLOG, version, blogPort, ProxyMode.TCP, balance, Optional.empty(),
        List.of(server("p", app, 10, AdminState.READY)), List.of());
  }

  String file() throws Exception {
    return Files.readString(h.haproxy.paths().zddConfig());
  }

  /** The version of each group's desired set in zdd.cfg. */
  Map<GroupName, Long> versionsInFile() throws Exception {
    Map<GroupName, Long> out = new TreeMap<>();
    ConfigBlocks.parse(file()).forEach((g, block) -> out.put(g, DesiredSetLine.in(block).orElseThrow().set().version()));
    return out;
  }

  String serverLine(String name, int weight) {
    return "server " + name + " 127.0.0.1:" + app.port() + " weight " + weight + " ";
  }

  String runtime(GroupName group, String server) {
    return h.haproxy.runtime().showServersState(GroupLayout.mainBackend(group)).stream()
        .filter(r -> r.server().equals(server)).map(r -> r.adminState() + "/" + r.userWeight())
        .findFirst().orElse("absent");
  }

  @Test
  void aWeightOnlyChange_runsNoConfigCheck_andTheFileCatchesUp() throws Exception {
    start(ConfigSync.STRUCTURE);
    assertThat(h.controller.apply(shop(1, 10), E1).reloaded()).isTrue();
    int checksBefore = checks.runs();
    assertThat(checksBefore).as("a new group's file is checked").isEqualTo(1);
    int worker = h.haproxy.masterCli().showProc().currentPid();

    ApplyResult weights = h.controller.apply(shop(2, 30), E1);
    assertThat(weights.reloaded()).isFalse();
    assertThat(weights.runtimeCommands()).isEqualTo(1);
    assertThat(runtime(SHOP, "s")).isEqualTo("READY/30");
    assertThat(checks.runs()).isEqualTo(checksBefore);
    await().atMost(Timing.seconds(10)).until(() -> versionsInFile().get(SHOP) == 2L);
    assertThat(file()).contains(serverLine("s", 30));

    // A burst ends with the file at its last set; a server added and one removed are server-only too.
    for (int v = 3; v <= 22; v++) {
      h.controller.apply(shop(v, v), E1);
    }
    assertThat(h.controller.apply(shop(23, 40, "u"), E1).reloaded()).isFalse();
    ApplyResult removed = h.controller.apply(shop(24, 41), E1);
    assertThat(removed.reloaded()).isFalse();
    assertThat(removed.observed().servers()).extracting(o -> o.name()).containsExactly("s", "t");
    await().atMost(Timing.seconds(10)).until(() -> versionsInFile().get(SHOP) == 24L);
    assertThat(file()).contains(serverLine("s", 41)).doesNotContain("server u ");
    assertThat(checks.runs()).isEqualTo(checksBefore);
    assertThat(h.haproxy.masterCli().showProc().currentPid()).isEqualTo(worker);

    // A structure change still writes and checks first, then reloads.
    BackendSet leastconn = new BackendSet(SHOP, 25, shopPort, ProxyMode.TCP, "leastconn", Optional.empty(),
        shop(25, 41).servers(), List.of());
    assertThat(h.controller.apply(leastconn, E1).reloaded()).isTrue();
    assertThat(checks.runs()).isEqualTo(checksBefore + 1);
    assertThat(file()).contains("balance leastconn");
    assertThat(versionsInFile()).isEqualTo(Map.of(SHOP, 25L));
  }

  @Test
  void withConfigSyncAlways_aWeightOnlyChangeIsWrittenAndCheckedFirst() throws Exception {
    start(ConfigSync.ALWAYS);
    h.controller.apply(shop(1, 10), E1);
    int checksBefore = checks.runs();
    ApplyResult weights = h.controller.apply(shop(2, 30), E1);
    assertThat(weights.reloaded()).isFalse();
    assertThat(checks.runs()).isEqualTo(checksBefore + 1);
    // In the file when the call returns.
    assertThat(versionsInFile()).isEqualTo(Map.of(SHOP, 2L));
    assertThat(file()).contains(serverLine("s", 30));
  }

  @Test
  void aServerOnlyChange_isNotHeldUpByAnotherGroupsFileStep() throws Exception {
    start(ConfigSync.STRUCTURE);
    h.controller.apply(shop(1, 10), E1);
    h.controller.apply(blog(1, "roundrobin"), E1);
    h.watcher.start();

    // Blog's structure change holds the file lock in a 'haproxy -c' that does not return.
    checks.hold();
    Future<ApplyResult> blogV2 = pool.submit(() -> h.controller.apply(blog(2, "leastconn"), E1));
    assertThat(checks.awaitHeld(Timing.seconds(10))).as("blog's file step is in its check").isTrue();

    // Shop's weight change goes through meanwhile: a wait for the file lock would end at this deadline.
    ApplyResult shopV2;
    try (CallDeadline.Scope s = CallDeadline.within(Timing.seconds(10))) {
      shopV2 = h.controller.apply(shop(2, 30), E1);
    }
    assertThat(shopV2.reloaded()).isFalse();
    assertThat(runtime(SHOP, "s")).isEqualTo("READY/30");
    assertThat(blogV2).isNotDone();

    checks.release();
    assertThat(blogV2.get(30, TimeUnit.SECONDS).reloaded()).isTrue();
    // Shop's background write waited for blog's file step, and the file ends with both.
    await().atMost(Timing.seconds(10)).until(() -> versionsInFile().equals(Map.of(BLOG, 2L, SHOP, 2L)));
    assertThat(file()).contains(serverLine("s", 30)).contains("balance leastconn");
    // Blog's reload started a worker from a file that may have lacked shop's weight: the
    // server-state file and the watcher's re-assertion keep it.
    await().atMost(Timing.seconds(5)).until(() -> runtime(SHOP, "s").equals("READY/30"));
  }
}
