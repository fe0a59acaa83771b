package io.zdd.deploy.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v2/tasks/delete?scale=true} kills exactly the given tasks and lowers
 * instances; without scale the tasks are replaced. Kills reach the whole process tree, and a task
 * that ignores SIGTERM gets SIGKILL after its grace period.
 */
class KillTasksIT {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);
  private LocalMarathonFixture fixture;
  private MarathonClient client;
  private EventRecorder events;

  @BeforeEach
  void start() throws Exception {
    fixture = new LocalMarathonFixture();
    client = fixture.client;
    events = new EventRecorder(fixture.url(), "?event_type=status_update_event");
  }

  @AfterEach
  void stop() {
    events.close();
    fixture.close();
    assertThat(OsProcesses.withEnv("KILL_TEST", suffix)).as("processes after close").isEmpty();
  }

  private void create(String appId, String cmd, int instances, Map<String, Object> extra) {
    Map<String, Object> app = new HashMap<>(Map.of("id", appId, "cmd", cmd, "instances", instances,
        "env", Map.of("KILL_TEST", suffix)));
    app.putAll(extra);
    MarathonClient.Reply reply = client.post("/v2/apps", app);
    assertThat(reply.status()).as(reply.text()).isEqualTo(201);
    await().atMost(DEADLINE).until(() -> {
      JsonNode a = client.app(appId);
      return a.get("tasksRunning").asInt() == instances && a.get("deployments").isEmpty();
    });
  }

  private List<String> taskIds(String appId) {
    List<String> ids = new ArrayList<>();
    client.app(appId).get("tasks").forEach(t -> ids.add(t.get("id").asText()));
    return ids;
  }

  @Test
  void scaleTrueKillsExactlyThoseTasksAndLowersInstances() {
    String appId = "/kill-" + suffix;
    create(appId, LocalMarathonFixture.pythonServer(), 3, Map.of());
    List<String> ids = taskIds(appId);
    List<String> doomed = ids.subList(0, 2);
    String survivor = ids.get(2);
    List<Long> doomedPids = new ArrayList<>();
    doomed.forEach(id -> doomedPids.addAll(OsProcesses.withEnv("MESOS_TASK_ID", id)));
    List<Long> survivorPids = OsProcesses.withEnv("MESOS_TASK_ID", survivor);
    assertThat(doomedPids).hasSize(2);
    String scalingBefore = client.app(appId).get("versionInfo").get("lastScalingAt").asText();
    int mark = events.events().size();

    MarathonClient.Reply reply = client.post("/v2/tasks/delete?scale=true", Map.of("ids", doomed));

    assertThat(reply.status()).as(reply.text()).isEqualTo(200);
    assertThat(reply.json().get("deploymentId").isTextual()).isTrue();
    assertThat(reply.json().get("version").isTextual()).isTrue();
    await().atMost(DEADLINE).until(() -> client.app(appId).get("deployments").isEmpty()
        && doomedPids.stream().noneMatch(OsProcesses::alive));
    JsonNode app = client.app(appId);
    assertThat(app.get("instances").asInt()).isEqualTo(1);
    assertThat(taskIds(appId)).containsExactly(survivor);
    assertThat(OsProcesses.withEnv("MESOS_TASK_ID", survivor)).isEqualTo(survivorPids);
    assertThat(app.get("versionInfo").get("lastScalingAt").asText()).isGreaterThan(scalingBefore);
    List<String> updates = events.events().subList(mark, events.events().size()).stream()
        .map(e -> e.data().get("taskId").asText() + " " + e.data().get("taskStatus").asText()).toList();
    assertThat(updates).containsExactlyInAnyOrder(
        doomed.get(0) + " TASK_KILLING", doomed.get(0) + " TASK_KILLED",
        doomed.get(1) + " TASK_KILLING", doomed.get(1) + " TASK_KILLED");
  }

  @Test
  void scaleFalseKillsAndReplaces() {
    String appId = "/replace-" + suffix;
    create(appId, LocalMarathonFixture.pythonServer(), 1, Map.of());
    String old = taskIds(appId).get(0);

    MarathonClient.Reply reply = client.post("/v2/tasks/delete", Map.of("ids", List.of(old)));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("tasks").get(0).get("id").asText()).isEqualTo(old);
    await().atMost(DEADLINE).until(() -> {
      List<String> ids = taskIds(appId);
      return ids.size() == 1 && !ids.contains(old) && client.app(appId).get("tasksRunning").asInt() == 1;
    });
    assertThat(client.app(appId).get("instances").asInt()).isEqualTo(1);
    assertThat(OsProcesses.withEnv("MESOS_TASK_ID", old)).isEmpty();
  }

  @Test
  void killReachesEveryProcessOfTheTask() {
    String appId = "/tree-" + suffix;
    create(appId, "sleep 300 & sleep 301; wait", 1, Map.of());
    String id = taskIds(appId).get(0);
    await().atMost(DEADLINE).until(() -> OsProcesses.withEnv("MESOS_TASK_ID", id).size() == 3); // sh + 2 sleeps

    client.post("/v2/tasks/delete?scale=true", Map.of("ids", List.of(id)));

    await().atMost(DEADLINE).until(() -> OsProcesses.withEnv("MESOS_TASK_ID", id).isEmpty());
  }

  @Test
  void taskIgnoringSigtermIsKilledAfterItsGracePeriod() {
    String appId = "/stubborn-" + suffix;
    create(appId, "trap '' TERM; sleep 300", 1, Map.of("taskKillGracePeriodSeconds", 2));
    String id = taskIds(appId).get(0);
    long start = System.nanoTime();

    client.put("/v2/apps" + appId, Map.of("instances", 0));

    await().atMost(DEADLINE).until(() -> OsProcesses.withEnv("MESOS_TASK_ID", id).isEmpty());
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).as("SIGKILL only after the grace period").isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    assertThat(events.events(e -> e.data().get("taskId").asText().equals(id)).stream()
        .map(e -> e.data().get("taskStatus").asText()).toList()).endsWith("TASK_KILLING", "TASK_KILLED");
  }
}
