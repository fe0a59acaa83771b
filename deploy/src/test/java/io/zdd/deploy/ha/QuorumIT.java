package io.zdd.deploy.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.engine.EventKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.curator.test.InstanceSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * On Curator's {@code TestingCluster} of three real ZooKeeper servers (two
 * LBs with real HAProxy, two coordinators, the local Marathon). During a blue/green deployment:
 * killing one server — one the leader is not connected to — changes nothing (same leader, same
 * epoch, the deployment moves on); killing a second (quorum lost) closes every leader term and
 * no Marathon write or kill happens while it lasts; when both servers come back a leader takes
 * over and finishes the deployment SUCCEEDED.
 *
 * <p>Killing the very server the leader's session is on is a different case: Curator reports
 * SUSPENDED and, by design, the leader closes its term; a failover follows.
 */
class QuorumIT {
  private static final String GROUP = "qm";
  private static final int PORT = 10500;

  @RegisterExtension
  static final HaClusterExtension HA = new HaClusterExtension(2, 2, Duration.ofSeconds(6));

  @Test
  void oneServerLost_nothingChanges_quorumLost_leaderWorkPauses_thenResumesAndFinishes() throws Exception {
    String v1 = deploy("v1");
    awaitOutcome(v1, Duration.ofSeconds(90));
    assertThat(HA.ha().status(v1).path("outcome").asText()).isEqualTo("SUCCEEDED");

    Coordinator leader = HA.ha().leader();
    long epoch = leader.epoch().orElseThrow().value();
    InstanceSpec leadersServer = HA.ha().zk.findConnectionInstance(HaCluster.zookeeperOf(leader).getZookeeperClient().getZooKeeper());
    // First to go: a follower the leader is not connected to. (Losing the ensemble's own leader
    // makes every server drop its clients during ZooKeeper's re-election, which the coordinator
    // sees as SUSPENDED and answers with a failover — a change, though not a lost deployment.)
    List<InstanceSpec> others = new ArrayList<>(HA.ha().zk.getInstances());
    others.remove(leadersServer);
    others.sort(Comparator.comparing(s -> isEnsembleLeader(s) ? 1 : 0));
    assertThat(isEnsembleLeader(others.get(0))).isFalse();

    String v2 = deploy("v2");
    HA.ha().zk.killServer(others.get(0));
    // A deployment that keeps moving under the same leader and epoch: green grown, traffic
    // shifted, blue drained and its first task killed, all with one server down.
    await().atMost(Duration.ofSeconds(60)).until(() -> HA.ha().eventsOf(v2).stream()
        .anyMatch(e -> e.kind() == EventKind.TASKS_KILLED));
    assertThat(leader.isLeader()).as("same leader after losing one server").isTrue();
    assertThat(leader.epoch().orElseThrow().value()).as("same epoch").isEqualTo(epoch);
    assertThat(HA.ha().eventsOf(v2)).noneMatch(e -> e.kind() == EventKind.EPOCH_CHANGED);
    assertThat(HA.ha().eventsOf(v2)).as("still running when quorum goes").noneMatch(e -> e.kind() == EventKind.FINISHED);

    HA.ha().zk.killServer(others.get(1));
    await().atMost(Duration.ofSeconds(30)).until(() -> HA.ha().cluster.leader().isEmpty());
    // Paused: while quorum is gone nothing changes in Marathon — no app written, no task killed.
    Map<String, String> apps = marathonApps();
    int kills = HA.kills().totalKills();
    int events = HA.ha().eventsOf(v2).size();
    await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(12)).until(() ->
        marathonApps().equals(apps) && HA.kills().totalKills() == kills && HA.ha().cluster.leader().isEmpty()
            && HA.ha().eventsOf(v2).size() == events);

    HA.ha().zk.restartServer(others.get(0));
    HA.ha().zk.restartServer(others.get(1));
    await().atMost(Duration.ofSeconds(60)).until(() -> HA.ha().cluster.leader().isPresent());
    awaitOutcome(v2, Duration.ofSeconds(120));
    assertThat(HA.ha().status(v2).path("outcome").asText()).as(HA.ha().status(v2).toString()).isEqualTo("SUCCEEDED");
    assertThat(HA.ha().eventsOf(v2)).as("resumed by a new term")
        .anyMatch(e -> e.kind() == EventKind.EPOCH_CHANGED && e.deployment().epoch() > epoch);
    await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(HA.ha().activeTaskIds(GROUP)).hasSize(2));
  }

  private static String deploy(String version) throws Exception {
    HaCluster.CliRun r = HA.ha().cli("deploy", HA.ha().app(GROUP, PORT, version, 2).toString(), "--detach", "--step-delay", "1");
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    return HaCluster.deploymentId(r);
  }

  private static void awaitOutcome(String id, Duration max) {
    await().atMost(max).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(() -> !HA.ha().status(id).path("outcome").asText().equals("OUTCOME_UNSPECIFIED"));
  }

  /** Every app's id with its version and instance count: any Marathon write changes this. */
  private static Map<String, String> marathonApps() {
    Map<String, String> out = new TreeMap<>();
    for (JsonNode a : HA.ha().cluster.marathon().listApps(Set.of(), x -> true).path("apps")) {
      out.put(a.path("id").asText(), a.path("version").asText() + "/" + a.path("instances").asInt());
    }
    return out;
  }

  /** Asks the server with the {@code srvr} four-letter word (enabled by default) for its mode. */
  private static boolean isEnsembleLeader(InstanceSpec spec) {
    try (Socket s = new Socket("127.0.0.1", spec.getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      if (!reply.contains("Mode:")) {
        throw new IllegalStateException("no mode in srvr reply of " + spec.getConnectString() + ": " + reply);
      }
      return reply.contains("Mode: leader");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
