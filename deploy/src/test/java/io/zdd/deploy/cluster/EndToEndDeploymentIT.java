package io.zdd.deploy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.LbDrainProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * One coordinator, two real lb-agents each with its own HAProxy, and the
 * Marathon-compatible local scheduler running real demo-app processes. Under continuous load
 * through both LBs: blue→green, then a canary with --traffic 10,50,100, with the app's
 * pending-operations gate on. Zero failed requests; every killed blue task was reported drained
 * (0 connections, fresh sample) by both LBs in the event that records its kill.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndDeploymentIT {
  private static final int SERVICE_PORT = 10080;
  private static final int ALT_PORT = 10081;

  @TempDir static Path work;
  static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new LocalCluster(new LocalCluster.Options(2, 1, work.resolve("cluster"), Duration.ofSeconds(6), false));
    ClusterCli.started(cluster, 2);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static ClusterCli cli(String... args) {
    return ClusterCli.run(cluster, args);
  }

  private static Path app(String version, int instances) throws Exception {
    Path f = work.resolve("web-" + version + ".json");
    Files.writeString(f, DemoAppDefinition.json("web", SERVICE_PORT, ALT_PORT, version, instances, 300,
        System.getProperty("java.class.path")));
    return f;
  }

  @Test
  @Order(1)
  void blueGreenThenCanary_underLoad_noFailedRequest_andNoKillBeforeEveryLbDrained() throws Exception {
    Coordinator leader = cluster.leader().orElseThrow().coordinator().orElseThrow();
    List<DeploymentEvent> events = new CopyOnWriteArrayList<>();
    leader.events().addListener(events::add);

    // First deployment: nothing to drain, nothing under load yet.
    ClusterCli first = cli("deploy", app("v1", 3).toString(), "--json", "--step-delay", "0.5");
    assertThat(first.exit()).as(first.err() + first.out()).isZero();

    List<LoadGenerator.Target> lbs = cluster.lbAddresses().stream().map(a -> new LoadGenerator.Target(a, SERVICE_PORT)).toList();
    await().atMost(Duration.ofSeconds(30)).until(() -> LoadGenerator.everyTargetAnswers(lbs));
    try (LoadGenerator load = new LoadGenerator(lbs, 2, 300, "/");
         LoadGenerator work = new LoadGenerator(lbs, 1, 20, "/work")) {
      load.start();
      work.start();

      ClusterCli blueGreen = cli("deploy", app("v2", 3).toString(), "--json", "--step-delay", "0.5", "--health-timeout", "120",
          "--pending-metric", "zdd_demo_pending_operations");
      assertThat(blueGreen.exit()).as(blueGreen.err() + blueGreen.out()).isZero();
      assertThat(blueGreen.out()).contains("\"kind\":\"FINISHED\"").contains("SUCCEEDED");

      ClusterCli canary = cli("deploy", app("v3", 3).toString(), "--json", "--step-delay", "0.5", "--health-timeout", "120",
          "--traffic", "10,50,100", "--step-pause", "2", "--pending-metric", "zdd_demo_pending_operations");
      assertThat(canary.exit()).as(canary.err() + canary.out()).isZero();
      assertThat(canary.out()).contains("TRAFFIC_SHIFTED");

      LoadGenerator.Stats s = load.stop();
      LoadGenerator.Stats w = work.stop();
      assertThat(s.failed()).as("failed requests: " + s.failureSamples()).isZero();
      assertThat(w.failed()).as("failed /work requests: " + w.failureSamples()).isZero();
      assertThat(s.ok()).isGreaterThan(1000);
      assertThat(s.byVersion().keySet()).anyMatch(k -> k.startsWith("v1/")).anyMatch(k -> k.startsWith("v2/"))
          .anyMatch(k -> k.startsWith("v3/"));
    }

    List<DeploymentEvent> kills = events.stream().filter(e -> e.kind() == EventKind.TASKS_KILLED).toList();
    assertThat(kills).as("blue tasks were killed in both deployments").hasSizeGreaterThanOrEqualTo(2);
    for (DeploymentEvent k : kills) {
      assertThat(k.drain()).as("drain report of " + k.killedTaskIds()).hasSize(2);
      for (LbDrainProgress p : k.drain()) {
        assertThat(p.fresh()).as(p.agent() + " had a fresh sample").isTrue();
        assertThat(p.connections()).as(p.agent() + " connections at kill of " + k.killedTaskIds()).isZero();
        assertThat(p.serversDrained()).isEqualTo(p.serversTotal());
      }
    }
  }

  /**
   * Between deployments the coordinator follows Marathon: a task of the live app killed from
   * outside is replaced by the scheduler, and every LB drops the dead server and serves the new
   * one at full weight, with no deployment running.
   */
  @Test
  @Order(2)
  void betweenDeployments_aReplacedTask_isPushedToEveryLb() throws Exception {
    ClusterCli v1 = cli("deploy", app("s1", 2).toString(), "--json", "--step-delay", "0.5", "--health-timeout", "120");
    assertThat(v1.exit()).as(v1.err()).isZero();
    String[] lines = v1.out().strip().split("\n");
    String liveApp = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[lines.length - 1])
        .path("deployment").path("green_app_id").asText();
    var marathon = cluster.marathon();
    com.fasterxml.jackson.databind.JsonNode tasks = marathon.listTasks(Set.of()).get("tasks");
    com.fasterxml.jackson.databind.JsonNode victim = null;
    for (com.fasterxml.jackson.databind.JsonNode t : tasks) {
      if (t.path("appId").asText().equals(liveApp) && t.path("state").asText().equals("TASK_RUNNING")) {
        victim = t;
        break;
      }
    }
    assertThat(victim).as("a running task of the live app").isNotNull();
    String victimServer = "127_0_0_1_" + victim.path("ports").get(0).asInt();
    awaitOnEveryLb(victimServer, true);

    marathon.killTasks(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
        .set("ids", new com.fasterxml.jackson.databind.ObjectMapper().createArrayNode().add(victim.path("id").asText())),
        false, false);

    awaitOnEveryLb(victimServer, false);
    await().atMost(Duration.ofSeconds(60)).until(() -> servingWeighted() >= 2);
  }

  private static List<io.zdd.common.model.ObservedBackend> lbStates() {
    List<io.zdd.common.model.ObservedBackend> out = new ArrayList<>();
    for (var agent : cluster.agents()) {
      var ch = cluster.agentChannel(agent, io.zdd.common.tls.SpiffeId.Role.OPERATOR, "test");
      try {
        var state = new io.zdd.coordinator.fleet.AgentClient(agent.agentId(), ch, Duration.ofSeconds(5)).state();
        state.backends().stream().filter(b -> b.group().value().equals("web")).forEach(out::add);
      } finally {
        ch.shutdownNow();
      }
    }
    return out;
  }

  private static void awaitOnEveryLb(String server, boolean present) {
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      var states = lbStates();
      // Serving: UP with a weight. Gone: absent, or kept in MAINT at weight 0 until the next
      // planned reload drops it (the agent's policy for removed servers on HAProxy 2.6).
      return states.size() == 2 && states.stream().allMatch(b -> present
          ? b.server(server).filter(s -> s.weight() > 0 && s.isUp()).isPresent()
          : b.server(server).map(s -> s.adminState() == io.zdd.common.model.AdminState.MAINT || s.weight() == 0).orElse(true));
    });
  }

  /** Servers that every LB lists UP with a weight above 0. */
  private static long servingWeighted() {
    var states = lbStates();
    if (states.size() != 2) {
      return 0;
    }
    return states.get(0).servers().stream()
        .filter(s -> s.weight() > 0 && s.isUp())
        .filter(s -> states.get(1).server(s.name()).filter(o -> o.weight() > 0 && o.isUp()).isPresent())
        .count();
  }
}
