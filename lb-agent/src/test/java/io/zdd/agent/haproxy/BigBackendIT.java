package io.zdd.agent.haproxy;

import static io.zdd.agent.haproxy.Harness.server;
import static io.zdd.agent.haproxy.Harness.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.agent.exec.ProcessCommandRunner;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.ObservedServer;
import io.zdd.common.model.ProxyMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntUnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One backend of 1,000 servers (the agent's default --max-servers-per-backend): grown from a
 * small group and re-weighted through the runtime API with no reload, then reloaded from outside
 * with every weight checked in the new worker. Real HAProxy 2.6; the servers all point at one
 * local app (no health checks, so HAProxy does not probe it a thousand times a second).
 */
class BigBackendIT {
  static final int SERVERS = 1000;
  static final Epoch E1 = Epoch.of(1);

  @TempDir Path dir;
  TestBackends apps;
  TestBackends.Backend app;
  Harness h;
  int port;

  @BeforeEach
  void start() {
    apps = new TestBackends();
    app = apps.start("app");
    port = TestBackends.freePort();
    h = new Harness(dir);
  }

  @AfterEach
  void stop() {
    h.close();
    apps.close();
  }

  BackendSet big(long version, int servers, IntUnaryOperator weight) {
    List<BackendServer> list = new ArrayList<>();
    for (int i = 0; i < servers; i++) {
      list.add(server("s" + i, app, weight.applyAsInt(i), AdminState.READY));
    }
    return set("big", version, port, ProxyMode.TCP, Optional.empty(), list);
  }

  /** Weight per server as the current worker has it. */
  Map<String, Integer> runtimeWeights() {
    return h.haproxy.runtime().showServersState("zdd_be_big").stream()
        .filter(r -> r.adminState() == AdminState.READY)
        .collect(Collectors.toMap(ServerStateRow::server, ServerStateRow::userWeight));
  }

  static Map<String, Integer> expected(int servers, IntUnaryOperator weight) {
    Map<String, Integer> out = new HashMap<>();
    for (int i = 0; i < servers; i++) {
      out.put("s" + i, weight.applyAsInt(i));
    }
    return out;
  }

  int workerPid() {
    return h.haproxy.masterCli().showProc().currentPid();
  }

  void reloadFromOutside() {
    int before = workerPid();
    long master = h.haproxy.masterPid().orElseThrow();
    var r = new ProcessCommandRunner().run(List.of("kill", "-USR2", Long.toString(master)), Duration.ofSeconds(5));
    assertThat(r.ok()).as(r.message()).isTrue();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> workerPid() != before);
  }

  @Test
  void aThousandServers_growAndReweightWithoutAReload_andAnOutsideReloadKeepsEveryWeight() throws Exception {
    IntUnaryOperator first = i -> 1 + i % 50;
    assertThat(h.controller.apply(big(1, 3, first), E1).reloaded()).isTrue();
    int worker = workerPid();

    ApplyResult grown = h.controller.apply(big(2, SERVERS, first), E1);
    assertThat(grown.reloaded()).isFalse();
    assertThat(grown.observed().servers()).hasSize(SERVERS);
    assertThat(runtimeWeights()).isEqualTo(expected(SERVERS, first));
    assertThat(workerPid()).isEqualTo(worker);

    IntUnaryOperator second = i -> 51 + i % 100;
    ApplyResult reweighted = h.controller.apply(big(3, SERVERS, second), E1);
    assertThat(reweighted.reloaded()).isFalse();
    assertThat(reweighted.runtimeCommands()).isEqualTo(SERVERS);
    assertThat(reweighted.observed().servers()).extracting(ObservedServer::weight)
        .containsExactlyElementsOf(expected(SERVERS, second).entrySet().stream()
            .sorted(Map.Entry.comparingByKey((a, b) -> Integer.compare(num(a), num(b))))
            .map(Map.Entry::getValue).toList());
    assertThat(workerPid()).isEqualTo(worker);

    // The file catches up (no reload of ours), then a reload from outside, with no re-assertion
    // running, starts a worker that has every one of the thousand weights from the file.
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(dir.resolve("zdd.cfg"))
        .contains("server s999 127.0.0.1:" + app.port() + " weight " + second.applyAsInt(999) + " "));
    reloadFromOutside();
    await().atMost(Duration.ofSeconds(10)).until(() -> runtimeWeights().equals(expected(SERVERS, second)));

    // Re-weighted again and reloaded from outside at once, the file perhaps not yet in step: the
    // reload watcher's re-assertion brings every weight back.
    h.watcher.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> h.watcher.currentPid() != 0);
    IntUnaryOperator third = i -> 1 + (i * 7) % 200;
    ApplyResult again = h.controller.apply(big(4, SERVERS, third), E1);
    assertThat(again.reloaded()).isFalse();
    reloadFromOutside();
    await().atMost(Duration.ofSeconds(20)).until(() -> runtimeWeights().equals(expected(SERVERS, third)));
  }

  private static int num(String server) {
    return Integer.parseInt(server.substring(1));
  }
}
