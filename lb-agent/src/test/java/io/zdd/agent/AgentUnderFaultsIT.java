package io.zdd.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.testing.ZooKeeperExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The agent under faults: stopped while ZooKeeper is unreachable it still stops within its budget
 * (a systemd unit allows 30 s) and leaves no HAProxy behind; its /healthz turns 503 when HAProxy
 * stops answering.
 */
class AgentUnderFaultsIT {
  @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
  @TempDir Path work;

  @Test
  void stoppingWhileZooKeeperIsDown_isBounded_andStopsHaproxy() throws Exception {
    AgentMain main = new AgentMain();
    new CommandLine(main).parseArgs("--insecure", "--agent-id", "lb-nozk", "--grpc-listen", "127.0.0.1:0",
        "--metrics-listen", "127.0.0.1:0", "--data-dir", work.resolve("data").toString(),
        "--haproxy-run-dir", work.resolve("run").toString(), "--hard-stop-after-seconds", "2",
        "--frontend-bind-address", "127.0.0.1", "--zk-connect", zk.connectString(), "--zk-session-timeout-ms", "6000",
        "--shutdown-grace-seconds", "1");
    AgentMain.Running agent = AgentMain.Running.start(main.config);
    long master = agent.haproxyMasterPid().orElseThrow();
    assertThat(agent.registrationPath()).isPresent();

    zk.server().stop();
    long t0 = System.nanoTime();
    agent.close();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    System.out.printf("agent stopped %d ms after ZooKeeper went away%n", took.toMillis());
    assertThat(took).as("stop with ZooKeeper down").isLessThan(Duration.ofSeconds(10));
    assertThat(ProcessHandle.of(master).map(ProcessHandle::isAlive).orElse(false)).as("HAProxy master").isFalse();
    assertThat(Files.exists(work.resolve("run/haproxy.pid"))).isTrue();
    zk.server().restart();
  }

  @Test
  void healthz_saysOkOnlyWhileHaproxyAnswers() throws Exception {
    AgentMain main = new AgentMain();
    new CommandLine(main).parseArgs("--insecure", "--agent-id", "lb-health", "--grpc-listen", "127.0.0.1:0",
        "--metrics-listen", "127.0.0.1:0", "--data-dir", work.resolve("data2").toString(),
        "--haproxy-run-dir", work.resolve("run2").toString(), "--hard-stop-after-seconds", "2",
        "--frontend-bind-address", "127.0.0.1", "--shutdown-grace-seconds", "1");
    try (AgentMain.Running agent = AgentMain.Running.start(main.config)) {
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      java.net.URI healthz = java.net.URI.create("http://127.0.0.1:" + agent.metricsPort() + "/healthz");
      java.util.function.Supplier<java.net.http.HttpResponse<String>> get = () -> {
        try {
          return http.send(java.net.http.HttpRequest.newBuilder(healthz).timeout(Duration.ofSeconds(5)).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      };
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> get.get().statusCode() == 200);
      assertThat(get.get().body()).isEqualTo("ok\n");

      // HAProxy dies under the agent (master and workers).
      ProcessHandle master = ProcessHandle.of(agent.haproxyMasterPid().orElseThrow()).orElseThrow();
      master.descendants().forEach(ProcessHandle::destroyForcibly);
      master.destroyForcibly();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> get.get().statusCode() == 503);
      assertThat(get.get().body()).startsWith("HAProxy has not answered for");
    }
  }
}
