package io.zdd.deploy.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Phase;
import io.zdd.deploy.cluster.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * On a {@code TestingCluster} of three real ZooKeeper servers, two lb-agents
 * with real HAProxy, three coordinators and the local Marathon running real app processes. For each
 * phase of a blue/green deployment, the leader is stopped (its {@link Coordinator} closed, as a
 * crash of its process would end its session and threads) from another thread the moment its
 * event log shows the deployment entering that phase. A standby must take over under a higher
 * epoch (an EPOCH_CHANGED event), finish the deployment SUCCEEDED with green at full size, kill
 * every blue task, and never kill one twice (neither in the coordinators' TASKS_KILLED events
 * nor in Marathon's own status events).
 */
class FailoverIT {
  private static final int INSTANCES = 2;
  private static final String GROUP = "fo";
  private static final int PORT = 10200;
  private static int nextVersion = 2;

  @TempDir static Path work;
  static HaCluster ha;
  static MarathonKillRecorder marathonKills;

  @BeforeAll
  static void start() throws Exception {
    ha = HaCluster.start(work, 2, 3, Duration.ofSeconds(6));
    marathonKills = new MarathonKillRecorder(ha.cluster.marathonUrl());
    // v1 undisturbed; each case then deploys the next version over the previous one's tasks.
    HaCluster.CliRun r = ha.cli("deploy", ha.app(GROUP, PORT, "v1", INSTANCES).toString(), "--detach", "--step-delay", "0.5");
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    String id = HaCluster.deploymentId(r);
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
        .until(() -> !ha.status(id).path("outcome").asText().equals("OUTCOME_UNSPECIFIED"));
    assertThat(ha.status(id).path("outcome").asText()).as("v1 " + ha.status(id)).isEqualTo("SUCCEEDED");
  }

  @AfterAll
  static void stop() {
    if (marathonKills != null) {
      marathonKills.close();
    }
    if (ha != null) {
      ha.close();
    }
  }

  @ParameterizedTest
  @EnumSource(value = Phase.class, names = {"CREATE_GREEN", "SCALE_GREEN", "SHIFT_TRAFFIC", "DRAIN_BLUE", "KILL_BLUE", "FINISH"})
  void leaderStoppedInPhase_standbyFinishesIt_noTaskKilledTwice(Phase phase) throws Exception {
    String group = GROUP;
    Set<String> blueTasks = ha.activeTaskIds(group);
    assertThat(blueTasks).as("tasks of the previous version").hasSize(INSTANCES);

    AtomicBoolean fired = new AtomicBoolean();
    AtomicReference<Coordinator> stopped = new AtomicReference<>();
    AtomicLong oldEpoch = new AtomicLong();
    AtomicReference<Throwable> stopperFailure = new AtomicReference<>();
    for (LocalCluster.CoordinatorSlot s : ha.cluster.coordinators()) {
      s.coordinator().ifPresent(c -> c.events().addListener(e -> {
        if (e.kind() == EventKind.PHASE_CHANGED && e.deployment().group().value().equals(group)
            && e.deployment().phase() == phase && fired.compareAndSet(false, true)) {
          oldEpoch.set(e.deployment().epoch());
          // Not on the driver thread: closing the coordinator interrupts and waits for it.
          Thread stopper = new Thread(() -> {
            try {
              LocalCluster.CoordinatorSlot slot = ha.slotOf(c).orElseThrow();
              ha.cluster.stopCoordinator(slot);
              stopped.set(c);
              ha.restart(slot); // back to three coordinators; it rejoins as a standby
            } catch (Throwable t) {
              stopperFailure.set(t);
            }
          }, "stop-leader-" + phase);
          stopper.start();
        }
      }));
    }

    HaCluster.CliRun r = ha.cli("deploy", ha.app(group, PORT, "v" + nextVersion++, INSTANCES).toString(), "--detach",
        "--step-delay", "0.5", "--health-timeout", "120");
    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    String id = HaCluster.deploymentId(r);

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(stopped.get())
        .as("leader stopped on entering " + phase + " (stopper failure: " + stopperFailure.get() + ")").isNotNull());
    await().atMost(Duration.ofSeconds(30)).until(() -> ha.cluster.leader().isPresent()
        && ha.leader() != stopped.get());
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
        .until(() -> !ha.status(id).path("outcome").asText().equals("OUTCOME_UNSPECIFIED"));

    JsonNode done = ha.status(id);
    assertThat(done.path("outcome").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
    assertThat(done.path("phase").asText()).isEqualTo("DONE");
    assertThat(done.path("epoch").asLong()).as("finished under a newer epoch").isGreaterThan(oldEpoch.get());

    List<DeploymentEvent> events = ha.eventsOf(id);
    assertThat(events).as("the new leader resumed it under a higher epoch")
        .anyMatch(e -> e.kind() == EventKind.EPOCH_CHANGED && e.deployment().epoch() > oldEpoch.get());
    assertThat(stopped.get().events().events(id)).as("the old leader's events")
        .noneMatch(e -> e.kind() == EventKind.EPOCH_CHANGED)
        .noneMatch(e -> e.kind() == EventKind.FINISHED);

    List<String> killed = new ArrayList<>();
    events.stream().filter(e -> e.kind() == EventKind.TASKS_KILLED).forEach(e -> killed.addAll(e.killedTaskIds()));
    assertThat(killed).as("TASKS_KILLED ids across every coordinator").doesNotHaveDuplicates();
    assertThat(blueTasks).containsAll(killed);

    // Same end state as an undisturbed run: green at full size, every blue task gone, each
    // blue task killed at most once by Marathon.
    await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
      Set<String> active = ha.activeTaskIds(group);
      assertThat(active).as("blue tasks gone").doesNotContainAnyElementsOf(blueTasks);
      assertThat(active).as("green at full size").hasSize(INSTANCES);
    });
    for (String t : blueTasks) {
      assertThat(marathonKills.kills(t)).as("Marathon kills of " + t).isLessThanOrEqualTo(1);
    }
  }
}
