package io.zdd.deploy.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.zdd.agent.AgentMain;
import io.zdd.common.model.ObservedBackend;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.LbDrainProgress;
import io.zdd.coordinator.fleet.AgentClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many apps behind several Marathon-LB groups, on real HAProxy LBs with real app processes: lb-1
 * and lb-2 serve Marathon-LB group {@code external}, lb-3 serves {@code internal}. Apps shop and
 * cart (external) and billing (internal), each its own deployment group, are deployed one after
 * another, then blue→green all at once, then again after an agent restart: each lands on exactly
 * its LBs, and every drain is judged on every LB that had the app's servers.
 */
class ManyAppsIT {
  @TempDir static Path work;
  static HaCluster ha;
  private static final Map<String, Integer> PORTS = Map.of("shop", 10400, "cart", 10410, "billing", 10420);
  private static final Map<String, String> LB_GROUP = Map.of("shop", "external", "cart", "external",
      "billing", "internal");
  private static final Map<String, Set<String>> EXPECTED_LBS = Map.of("shop", Set.of("lb-1", "lb-2"),
      "cart", Set.of("lb-1", "lb-2"), "billing", Set.of("lb-3"));

  @BeforeAll
  static void start() throws Exception {
    ha = HaCluster.start(work, 3, 1, Duration.ofSeconds(6), i -> List.of(i == 3 ? "internal" : "external"));
  }

  @AfterAll
  static void stop() {
    if (ha != null) {
      ha.close();
    }
  }

  private static String deploy(String app, String version) throws Exception {
    HaCluster.CliRun run = ha.cli("deploy", ha.app(app, PORTS.get(app), version, 2, LB_GROUP.get(app)).toString(),
        "--detach", "--step-delay", "0.5");
    assertThat(run.exit()).as(app + " " + version + ": " + run.err() + run.out()).isZero();
    return HaCluster.deploymentId(run);
  }

  private static void awaitSucceeded(String id) throws Exception {
    await().atMost(Duration.ofSeconds(120)).until(() -> !ha.status(id).path("outcome").asText()
        .equals("OUTCOME_UNSPECIFIED"));
    assertThat(ha.status(id).path("outcome").asText()).as(id).isEqualTo("SUCCEEDED");
  }

  /** Deployment group → ids of the agents whose HAProxy serves it. */
  private static Map<String, Set<String>> groupsOnLbs() {
    Map<String, Set<String>> out = new TreeMap<>();
    for (AgentMain.Running agent : ha.cluster.agents()) {
      ManagedChannel ch = ha.cluster.agentChannel(agent, io.zdd.common.tls.SpiffeId.Role.OPERATOR, "test");
      try {
        for (ObservedBackend b : new AgentClient(agent.agentId(), ch, Duration.ofSeconds(5)).state().backends()) {
          out.computeIfAbsent(b.group().value(), g -> new TreeSet<>()).add(agent.agentId().value());
        }
      } finally {
        ch.shutdownNow();
      }
    }
    return out;
  }

  /** The LBs whose connections every drain of the deployment was judged on. */
  private static Set<String> drainedOn(String id) {
    Set<String> lbs = new TreeSet<>();
    for (DeploymentEvent e : ha.eventsOf(id)) {
      if (e.kind() == EventKind.DRAIN_PROGRESS) {
        e.drain().stream().map(LbDrainProgress::agent).forEach(a -> lbs.add(a.value()));
      }
    }
    return lbs;
  }

  @Test
  void threeAppsTwoLbGroups_oneAfterAnother_concurrently_andAfterAnAgentRestart() throws Exception {
    for (String app : List.of("shop", "cart", "billing")) {
      awaitSucceeded(deploy(app, "v1"));
    }
    assertThat(groupsOnLbs()).isEqualTo(EXPECTED_LBS);

    List<String> concurrent = new ArrayList<>();
    for (String app : List.of("shop", "cart", "billing")) {
      concurrent.add(deploy(app, "v2"));
    }
    for (String id : concurrent) {
      awaitSucceeded(id);
    }
    assertThat(groupsOnLbs()).isEqualTo(EXPECTED_LBS);
    assertThat(drainedOn(concurrent.get(0))).containsExactlyInAnyOrderElementsOf(EXPECTED_LBS.get("shop"));
    assertThat(drainedOn(concurrent.get(2))).containsExactlyInAnyOrderElementsOf(EXPECTED_LBS.get("billing"));

    // lb-1 restarts (its HAProxy with it) and comes back with the groups it served; the next
    // deployments still land on exactly the right LBs and drain through lb-1 again.
    ha.cluster.restartAgent(1);
    await().atMost(Duration.ofSeconds(40)).until(() -> ha.cli("agents").out().split("connected", -1).length - 1 >= 3);
    assertThat(groupsOnLbs()).isEqualTo(EXPECTED_LBS);
    String shop3 = deploy("shop", "v3");
    String billing3 = deploy("billing", "v3");
    awaitSucceeded(shop3);
    awaitSucceeded(billing3);
    assertThat(groupsOnLbs()).isEqualTo(EXPECTED_LBS);
    assertThat(drainedOn(shop3)).containsExactlyInAnyOrderElementsOf(EXPECTED_LBS.get("shop"));
  }
}
