package io.zdd.deploy.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.zdd.agent.AgentMain;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Phase;
import io.zdd.proto.v1.AgentState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.ObservedBackend;
import io.zdd.proto.v1.ObservedServer;
import io.zdd.proto.v1.RemoveGroupRequest;
import io.zdd.proto.v1.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three ZooKeeper servers, two LBs with real HAProxy, two coordinators:
 * the leader's ZooKeeper session is expired (Curator's {@link KillSession} on its own client)
 * while its process keeps running, just as it starts killing blue tasks of a deployment. The
 * standby becomes leader under a higher epoch and finishes that deployment under it (Marathon
 * kills no task twice). Then the old leader's commands — stamped with the epoch it led under — reach every
 * agent: each refuses them with FAILED_PRECONDITION and no LB changes (GetState identical
 * before and after: epoch, applied versions, servers, weights, admin states, HAProxy workers).
 */
class PartitionedLeaderIT {
  private static final String GROUP = "pl";
  private static final int PORT = 10400;

  @RegisterExtension
  static final HaClusterExtension HA = new HaClusterExtension(2, 2, Duration.ofSeconds(6));

  @Test
  void oldLeaderWithExpiredSession_everyAgentRefusesItsCommands_noLbChanges() throws Exception {
    awaitSuccess(deploy("v1"));
    Coordinator old = HA.ha().leader();
    long oldEpoch = old.epoch().orElseThrow().value();
    Set<String> blueTasks = HA.ha().activeTaskIds(GROUP);

    // Partition the leader in the middle of v2: its session expires as it starts killing blue.
    AtomicBoolean fired = new AtomicBoolean();
    AtomicReference<Throwable> killFailure = new AtomicReference<>();
    old.events().addListener(e -> {
      if (e.kind() == EventKind.PHASE_CHANGED && e.deployment().phase() == Phase.KILL_BLUE
          && fired.compareAndSet(false, true)) {
        new Thread(() -> {
          try {
            KillSession.kill(HaCluster.zookeeperOf(old).getZookeeperClient().getZooKeeper());
          } catch (Throwable t) {
            killFailure.set(t);
          }
        }, "expire-leader-session").start();
      }
    });
    String v2 = deploy("v2");

    await().atMost(Duration.ofSeconds(60)).until(() -> fired.get() && !old.isLeader());
    assertThat(killFailure.get()).isNull();
    await().atMost(Duration.ofSeconds(30)).until(() -> HA.ha().cluster.leader().isPresent() && HA.ha().leader() != old);
    Coordinator current = HA.ha().leader();
    long newEpoch = current.epoch().orElseThrow().value();
    assertThat(newEpoch).isGreaterThan(oldEpoch);
    // The old process is still running: its admin API answers reads as a standby.
    HaCluster.CliRun stillUp = HA.ha().cliAt("127.0.0.1:" + old.adminPort(), "agents");
    assertThat(stillUp.exit()).as(stillUp.err()).isZero();

    // The new leader finishes v2 under its epoch, killing no task twice, and every agent has seen that epoch.
    awaitSuccess(v2);
    List<DeploymentEvent> events = HA.ha().eventsOf(v2);
    assertThat(events).anyMatch(e -> e.kind() == EventKind.EPOCH_CHANGED && e.deployment().epoch() == newEpoch);
    List<String> killed = new ArrayList<>();
    events.stream().filter(e -> e.kind() == EventKind.TASKS_KILLED).forEach(e -> killed.addAll(e.killedTaskIds()));
    assertThat(blueTasks).containsAll(killed);
    // Marathon killed each blue task once. (Not asserted: the coordinators' TASKS_KILLED ids can
    // repeat a task here. The deposed leader's kill call can still go out in the instant between
    // its session expiring and its term closing, and the new leader, resuming KILL_BLUE, re-sends
    // the kill for a task Marathon lists as TASK_KILLING — a no-op in Marathon, but reported again
    // by the engine. Seen in about 1 of 2 runs; reported to the engine's owner.)
    for (String t : blueTasks) {
      assertThat(HA.kills().kills(t)).as("Marathon kills of " + t + " (coordinator reports: " + killed + ")")
          .isLessThanOrEqualTo(1);
    }
    await().atMost(Duration.ofSeconds(40)).untilAsserted(() ->
        assertThat(HA.ha().activeTaskIds(GROUP)).doesNotContainAnyElementsOf(blueTasks).hasSize(2));
    for (AgentMain.Running a : HA.ha().cluster.agents()) {
      assertThat(state(a).getHighestEpoch()).as(a.agentId() + " highest epoch").isEqualTo(newEpoch);
    }

    for (AgentMain.Running a : HA.ha().cluster.agents()) {
      AgentState before = state(a);
      ObservedBackend group = before.getBackendsList().stream().filter(b -> b.getGroup().equals(GROUP))
          .findFirst().orElseThrow();
      // What a deposed leader might still send: every server at weight 0, as the next version.
      BackendSet.Builder drainAll = BackendSet.newBuilder().setGroup(GROUP).setVersion(group.getAppliedVersion() + 1)
          .setFrontendPort(group.getFrontendPort());
      for (ObservedServer s : group.getServersList()) {
        drainAll.addServers(Server.newBuilder().setName(s.getName()).setAddress(s.getAddress()).setPort(s.getPort())
            .setWeight(0));
      }
      // A coordinator's identity: the deposed leader's certificate is still valid; only the epoch refuses it.
      ManagedChannel ch = HA.ha().cluster.agentChannel(a, io.zdd.common.tls.SpiffeId.Role.COORDINATOR, "coordinator-old");
      try {
        LbAgentGrpc.LbAgentBlockingStub stub = LbAgentGrpc.newBlockingStub(ch);
        StatusRuntimeException apply = catchThrowableOfType(StatusRuntimeException.class, () ->
            stub.withDeadlineAfter(10, TimeUnit.SECONDS).applyBackends(ApplyBackendsRequest.newBuilder()
                .setEpoch(oldEpoch).setBackendSet(drainAll).build()));
        assertThat(apply).as(a.agentId() + " ApplyBackends with old epoch " + oldEpoch).isNotNull();
        assertThat(apply.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        StatusRuntimeException remove = catchThrowableOfType(StatusRuntimeException.class, () ->
            stub.withDeadlineAfter(10, TimeUnit.SECONDS).removeGroup(RemoveGroupRequest.newBuilder()
                .setEpoch(oldEpoch).setGroup(GROUP).build()));
        assertThat(remove).as(a.agentId() + " RemoveGroup with old epoch").isNotNull();
        assertThat(remove.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      AgentState after = state(a);
      assertThat(lbView(after)).as(a.agentId() + " unchanged by the refused commands").isEqualTo(lbView(before));
    }
  }

  private static String deploy(String version) throws Exception {
    HaCluster.CliRun r = HA.ha().cli("deploy", HA.ha().app(GROUP, PORT, version, 2).toString(), "--detach", "--step-delay", "0.5");
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    return HaCluster.deploymentId(r);
  }

  private static void awaitSuccess(String id) throws Exception {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(() -> !HA.ha().status(id).path("outcome").asText().equals("OUTCOME_UNSPECIFIED"));
    assertThat(HA.ha().status(id).path("outcome").asText()).as(HA.ha().status(id).toString()).isEqualTo("SUCCEEDED");
  }

  /** What an LB routes by: epoch, applied versions, servers with weights and admin states, workers. */
  private static List<Object> lbView(AgentState s) {
    return List.of(s.getHighestEpoch(),
        s.getBackendsList().stream().map(b -> List.of(b.getGroup(), b.getAppliedVersion(), b.getAppliedEpoch(),
            b.getFrontendPort(), b.getServersList().stream()
                .map(v -> List.of(v.getName(), v.getAddress(), v.getPort(), v.getWeight(), v.getAdminState())).toList()))
            .toList(),
        s.getWorkersList().stream().map(w -> List.of(w.getPid(), w.getCurrent(), w.getReloads())).toList(),
        s.getRedirectsList());
  }

  private static AgentState state(AgentMain.Running a) throws InterruptedException {
    ManagedChannel ch = HA.ha().cluster.agentChannel(a, io.zdd.common.tls.SpiffeId.Role.OPERATOR, "test");
    try {
      return LbAgentGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).getState(GetStateRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
