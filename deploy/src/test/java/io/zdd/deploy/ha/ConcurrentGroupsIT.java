package io.zdd.deploy.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.zdd.coordinator.cli.ExitCodes;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.proto.v1.CoordinatorAdminGrpc;
import io.zdd.proto.v1.StartDeploymentRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three ZooKeeper servers, two LBs with real HAProxy, three coordinators:
 * deployments of two different groups run at the same time and both succeed; while one runs, a
 * second deployment of the same group is refused with gRPC ABORTED (CLI exit code 5) and changes
 * nothing — the running one carries on and no extra app appears in Marathon.
 */
class ConcurrentGroupsIT {
  @TempDir static Path work;
  static HaCluster ha;

  @BeforeAll
  static void start() throws Exception {
    ha = HaCluster.start(work, 2, 3, Duration.ofSeconds(6));
  }

  @AfterAll
  static void stop() {
    if (ha != null) {
      ha.close();
    }
  }

  @Test
  void twoGroupsConcurrently_bothSucceed_sameGroupTwice_refusedWithAborted() throws Exception {
    HaCluster.CliRun a = ha.cli("deploy", ha.app("cg-a", 10300, "v1", 2).toString(), "--detach", "--step-delay", "0.5");
    HaCluster.CliRun b = ha.cli("deploy", ha.app("cg-b", 10310, "v1", 2).toString(), "--detach", "--step-delay", "0.5");
    assertThat(a.exit()).as(a.err() + a.out()).isZero();
    assertThat(b.exit()).as(b.err() + b.out()).isZero();
    String idA = HaCluster.deploymentId(a);
    String idB = HaCluster.deploymentId(b);

    // While cg-a runs: the same group again, through the CLI (via a standby if slot 0 is one) ...
    assertThat(ha.status(idA).path("outcome").asText()).isEqualTo("OUTCOME_UNSPECIFIED");
    HaCluster.CliRun again = ha.cli("deploy", ha.app("cg-a", 10300, "v2", 2).toString(), "--detach");
    assertThat(again.exit()).as(again.err() + again.out()).isEqualTo(ExitCodes.CONFLICT);
    assertThat(again.err()).contains("cg-a");

    // ... and straight to the leader's gRPC API: the status code itself is ABORTED.
    String leader = "127.0.0.1:" + ha.leader().adminPort();
    ManagedChannel ch = ha.cluster.coordinatorChannel(leader);
    try {
      StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
          CoordinatorAdminGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
              .startDeployment(StartDeploymentRequest.newBuilder()
                  .setAppJson(Files.readString(work.resolve("cg-a-v2.json"))).build()));
      assertThat(refused).as("second deployment of cg-a").isNotNull();
      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(ha.status(idA).path("outcome").asText()).as("cg-a still running after the refusals")
        .isEqualTo("OUTCOME_UNSPECIFIED");

    for (String id : List.of(idA, idB)) {
      await().atMost(Duration.ofSeconds(100)).pollInterval(Duration.ofSeconds(1))
          .until(() -> !ha.status(id).path("outcome").asText().equals("OUTCOME_UNSPECIFIED"));
      assertThat(ha.status(id).path("outcome").asText()).as(ha.status(id).toString()).isEqualTo("SUCCEEDED");
    }

    // They really overlapped: each started before the other finished.
    List<DeploymentEvent> eventsA = ha.eventsOf(idA);
    List<DeploymentEvent> eventsB = ha.eventsOf(idB);
    assertThat(startOf(eventsA)).isBefore(finishOf(eventsB));
    assertThat(startOf(eventsB)).isBefore(finishOf(eventsA));

    // The refused v2 left no trace: cg-a runs exactly its v1 app at 2 instances, with one green app.
    assertThat(ha.cluster.marathon().listApps(Set.of(), app -> app.path("id").asText().startsWith("/cg-a"))
        .path("apps")).hasSize(1);
    assertThat(ha.activeTaskIds("cg-a")).hasSize(2);
    assertThat(ha.activeTaskIds("cg-b")).hasSize(2);
  }

  private static Instant startOf(List<DeploymentEvent> events) {
    return events.stream().map(DeploymentEvent::at).min(Instant::compareTo).orElseThrow();
  }

  private static Instant finishOf(List<DeploymentEvent> events) {
    return events.stream().filter(e -> e.kind() == EventKind.FINISHED).map(DeploymentEvent::at).findFirst().orElseThrow();
  }
}
