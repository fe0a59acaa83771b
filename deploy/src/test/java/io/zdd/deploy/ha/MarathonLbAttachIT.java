package io.zdd.deploy.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.zdd.agent.AgentConfig;
import io.zdd.agent.AgentMain;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ObservedBackend;
import io.zdd.coordinator.fleet.AgentClient;
import io.zdd.deploy.cluster.DemoAppDefinition;
import io.zdd.deploy.cluster.FreePorts;
import io.zdd.deploy.cluster.LoadGenerator;
import io.zdd.deploy.mlb.MarathonLbLike;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The agent in attach mode beside a Marathon-LB, set up as docs/operations.md says: Marathon-LB
 * (here {@link MarathonLbLike}, which behaves like marathon_lb.py and its run script) starts
 * HAProxy master-worker with {@code -f haproxy.cfg -f zdd.cfg}, keeps server state in
 * {@code state/global} and reloads through the master socket on every Marathon event; the agent
 * attaches with the same Marathon-LB group. A blue→green underneath those reloads loses no
 * request, the zdd-managed app is rendered by zdd only, and a plain app of the group is rendered
 * by Marathon-LB.
 */
class MarathonLbAttachIT {
  @TempDir static Path work;
  static HaCluster ha;
  static Process mlb;
  static AgentMain.Running agent;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    ha = HaCluster.start(work, 0, 1, Duration.ofSeconds(6));
    dir = Files.createDirectories(work.resolve("mlb"));
    mlb = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-Xmx64m", "-cp",
        System.getProperty("java.class.path"), MarathonLbLike.class.getName(), ha.cluster.marathonUrl(), "external",
        dir.toString(), "/usr/sbin/haproxy")
        .redirectErrorStream(true).redirectOutput(work.resolve("mlb.out").toFile()).start();
    await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(dir.resolve("admin.sock"))
        && Files.exists(dir.resolve("master.sock")));
    int grpc = FreePorts.next();
    AgentConfig config = new AgentConfig();
    List<String> args = new ArrayList<>(io.zdd.common.tls.TlsOptions.flags(
        ha.cluster.issue(io.zdd.common.tls.SpiffeId.Role.AGENT, "lb-mlb")));
    args.addAll(List.of(
        "--agent-id", "lb-mlb",
        "--grpc-listen", "127.0.0.1:" + grpc,
        "--advertise-address", "127.0.0.1:" + grpc,
        "--metrics-listen", "127.0.0.1:0",
        "--data-dir", work.resolve("agent-data").toString(),
        "--haproxy-mode", "attach",
        "--stats-socket", dir.resolve("admin.sock").toString(),
        "--master-socket", dir.resolve("master.sock").toString(),
        "--haproxy-base-config", dir.resolve("haproxy.cfg").toString(),
        "--haproxy-zdd-config", dir.resolve("zdd.cfg").toString(),
        "--server-state-file", dir.resolve("state/global").toString(),
        "--frontend-bind-address", "127.0.0.1",
        "--lb-group", "external",
        "--zk-connect", ha.cluster.zkConnect(),
        "--zk-digest-file", ha.cluster.agentZkDigestFile().toString(),
        "--sample-interval", "200ms"));
    new CommandLine(config).parseArgs(args.toArray(String[]::new));
    agent = AgentMain.Running.start(config);
    await().atMost(Duration.ofSeconds(40)).until(() -> ha.cli("agents").out().contains("connected"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (mlb != null) {
      mlb.destroy();
      assertThat(mlb.waitFor(20, TimeUnit.SECONDS)).as("marathon-lb stand-in stopped").isTrue();
    }
    if (ha != null) {
      ha.close();
    }
  }

  private static long reloads() throws Exception {
    return Files.readAllLines(work.resolve("mlb.out")).stream().filter(l -> l.startsWith("reloaded ")).count();
  }

  private static void awaitSucceeded(String id) throws Exception {
    await().atMost(Duration.ofSeconds(120)).until(() -> !ha.status(id).path("outcome").asText()
        .equals("OUTCOME_UNSPECIFIED"));
    assertThat(ha.status(id).path("outcome").asText()).as(id).isEqualTo("SUCCEEDED");
  }

  private static String deploy(String version) throws Exception {
    HaCluster.CliRun run = ha.cli("deploy", ha.app("shop", 10500, version, 2).toString(), "--detach",
        "--step-delay", "0.5");
    assertThat(run.exit()).as(run.err() + run.out()).isZero();
    return HaCluster.deploymentId(run);
  }

  private static ObservedBackend shopOnTheLb() {
    ManagedChannel ch = ha.cluster.agentChannel(agent, io.zdd.common.tls.SpiffeId.Role.OPERATOR, "test");
    try {
      return new AgentClient(AgentId.of("lb-mlb"), ch, Duration.ofSeconds(5)).state().backends().stream()
          .filter(b -> b.group().value().equals("shop")).findFirst().orElseThrow();
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void blueGreenUnderMarathonLbReloads_losesNothing_andEachAppIsRenderedByOneOwner() throws Exception {
    awaitSucceeded(deploy("v1"));
    List<LoadGenerator.Target> lb = List.of(new LoadGenerator.Target("127.0.0.1", 10500));
    await().atMost(Duration.ofSeconds(30)).until(() -> LoadGenerator.everyTargetAnswers(lb));

    long reloadsBefore = reloads();
    LoadGenerator.Stats stats;
    try (LoadGenerator load = new LoadGenerator(lb, 4, 200, "/")) {
      load.start();
      awaitSucceeded(deploy("v2"));
      stats = load.stop();
    }
    assertThat(reloads() - reloadsBefore).as("Marathon-LB reloads during the deployment").isGreaterThanOrEqualTo(3);
    assertThat(stats.failed()).as(stats.failureSamples().toString()).isZero();
    assertThat(stats.byVersion().keySet()).anyMatch(v -> v.startsWith("v2"));

    // A plain app of the group, posted straight to Marathon, is Marathon-LB's to render.
    String plain = DemoAppDefinition.json("plain", 10600, 10601, "p", 1, 0, System.getProperty("java.class.path"));
    HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(ha.cluster.marathonUrl() + "/v2/apps")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(plain)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(dir.resolve("haproxy.cfg"))
        .contains("bind 127.0.0.1:10600"));
    // The zdd-managed app is rendered by zdd alone: Marathon-LB has no frontend on its port.
    assertThat(Files.readString(dir.resolve("haproxy.cfg"))).doesNotContain(":10500");
    assertThat(Files.readString(dir.resolve("zdd.cfg"))).contains("bind 127.0.0.1:10500");

    // After Marathon-LB's reloads, the LB serves the agent's desired set, and HAProxy found its
    // server-state file at every reload (before the first one it does not exist yet).
    await().atMost(Duration.ofSeconds(10)).until(() -> shopOnTheLb().servers().stream()
        .allMatch(s -> s.weight() > 0 && s.isUp()) && shopOnTheLb().servers().size() == 2);
    String out = Files.readString(dir.resolve("haproxy.out"));
    assertThat(out).contains("Reloading HAProxy");
    assertThat(out.substring(out.indexOf("Reloading HAProxy"))).doesNotContainIgnoringCase("server state file");
  }
}
