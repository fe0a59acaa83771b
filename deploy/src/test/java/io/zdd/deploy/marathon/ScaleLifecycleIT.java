package io.zdd.deploy.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scale 0 → 5 → 2 → 0 with real processes. Checks counts, task states, deployments
 * and the SSE event order, and counts processes from the OS ({@code /proc}), not from the
 * scheduler.
 */
class ScaleLifecycleIT {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private final String appId = "/scale-" + UUID.randomUUID().toString().substring(0, 8);
  private LocalMarathonFixture fixture;
  private MarathonClient client;
  private EventRecorder events;

  @BeforeEach
  void start() throws Exception {
    fixture = new LocalMarathonFixture();
    client = fixture.client;
    events = new EventRecorder(fixture.url(), "");
  }

  @AfterEach
  void stop() {
    events.close();
    fixture.close();
    assertThat(OsProcesses.withEnv("MARATHON_APP_ID", appId)).as("processes after close").isEmpty();
  }

  private List<Long> osProcesses() {
    return OsProcesses.withEnv("MARATHON_APP_ID", appId);
  }

  private JsonNode app() {
    return client.app(appId);
  }

  private String scale(int instances) {
    MarathonClient.Reply reply = client.put("/v2/apps" + appId, Map.of("instances", instances));
    assertThat(reply.status()).as(reply.text()).isEqualTo(200);
    assertThat(reply.json().get("version").isTextual()).isTrue();
    return reply.json().get("deploymentId").asText();
  }

  private void awaitDeploymentDone(String deploymentId) {
    await().atMost(DEADLINE).until(() -> !events.events(e -> e.type().equals("deployment_success")
        && e.data().get("id").asText().equals(deploymentId)).isEmpty());
    assertThat(client.get("/v2/deployments").json().findValuesAsText("id")).doesNotContain(deploymentId);
    assertThat(app().get("deployments")).isEmpty();
  }

  /** The events of one deployment: from its api_post_event to its deployment_success. */
  private List<EventRecorder.Event> eventsOf(String deploymentId, int fromIndex) {
    List<EventRecorder.Event> all = events.events();
    int end = -1;
    for (int i = fromIndex; i < all.size(); i++) {
      if (all.get(i).type().equals("deployment_success") && all.get(i).data().get("id").asText().equals(deploymentId)) {
        end = i;
      }
    }
    return all.subList(fromIndex, end + 1);
  }

  @Test
  void scalesZeroFiveTwoZeroWithRealProcesses() {
    Map<String, Object> definition = Map.of(
        "id", appId,
        "cmd", LocalMarathonFixture.pythonServer(),
        "instances", 0,
        "healthChecks", List.of(Map.of("protocol", "HTTP", "path", "/", "intervalSeconds", 1,
            "timeoutSeconds", 1, "gracePeriodSeconds", 10, "maxConsecutiveFailures", 3)));
    MarathonClient.Reply created = client.post("/v2/apps", definition);
    assertThat(created.status()).isEqualTo(201);
    String startId = created.json().get("deployments").get(0).get("id").asText();
    awaitDeploymentDone(startId);
    assertThat(osProcesses()).isEmpty();

    // 0 -> 5
    int mark = events.events().size();
    String up = scale(5);
    JsonNode during = client.get("/v2/deployments").json();
    if (!during.isEmpty()) { // it can finish very fast, but not before the tasks are healthy
      assertThat(during.get(0).get("affectedApps").get(0).asText()).isEqualTo(appId);
      assertThat(during.get(0).get("currentActions").get(0).get("action").asText()).isEqualTo("ScaleApplication");
    }
    awaitDeploymentDone(up);
    JsonNode five = app();
    assertThat(five.get("instances").asInt()).isEqualTo(5);
    assertThat(five.get("tasksRunning").asInt()).isEqualTo(5);
    assertThat(five.get("tasksHealthy").asInt()).isEqualTo(5);
    assertThat(five.get("tasksStaged").asInt()).isZero();
    assertThat(five.get("tasks").findValuesAsText("state")).containsOnly("TASK_RUNNING").hasSize(5);
    assertThat(osProcesses()).hasSize(5);
    assertScaleUpEventOrder(eventsOf(up, mark), up, 5);

    // 5 -> 2
    Set<String> before = Set.copyOf(five.get("tasks").findValuesAsText("id"));
    List<Long> pidsBefore = osProcesses();
    mark = events.events().size();
    String down = scale(2);
    awaitDeploymentDone(down);
    JsonNode two = app();
    assertThat(two.get("tasksRunning").asInt()).isEqualTo(2);
    assertThat(two.get("tasks")).hasSize(2);
    assertThat(before).containsAll(two.get("tasks").findValuesAsText("id")); // survivors, not new tasks
    await().atMost(DEADLINE).until(() -> osProcesses().size() == 2);
    assertThat(pidsBefore).containsAll(osProcesses());
    assertScaleDownEventOrder(eventsOf(down, mark), 3);
    assertThat(two.get("versionInfo").get("lastScalingAt").asText())
        .isGreaterThan(five.get("versionInfo").get("lastScalingAt").asText());
    assertThat(two.get("versionInfo").get("lastConfigChangeAt").asText())
        .isEqualTo(five.get("versionInfo").get("lastConfigChangeAt").asText());

    // 2 -> 0
    mark = events.events().size();
    String zero = scale(0);
    awaitDeploymentDone(zero);
    assertThat(app().get("tasks")).isEmpty();
    assertThat(osProcesses()).isEmpty();
    assertScaleDownEventOrder(eventsOf(zero, mark), 2);

    assertWireFormat();

    assertThat(client.delete("/v2/apps" + appId).status()).isEqualTo(200);
    await().atMost(DEADLINE).until(() -> client.get("/v2/apps" + appId).status() == 404);
  }

  /**
   * api_post_event, deployment_info, then per task STAGING before RUNNING before its health turns
   * alive, then deployment_step_success and deployment_success last.
   */
  private void assertScaleUpEventOrder(List<EventRecorder.Event> list, String deploymentId, int tasks) {
    List<String> types = list.stream().map(EventRecorder.Event::type).toList();
    assertThat(types.get(0)).isEqualTo("api_post_event");
    assertThat(list.get(0).data().get("appDefinition").get("instances").asInt()).isEqualTo(tasks);
    assertThat(types.get(1)).isEqualTo("deployment_info");
    assertThat(list.get(1).data().get("plan").get("id").asText()).isEqualTo(deploymentId);
    assertThat(list.get(1).data().get("currentStep").get("actions").get(0).get("action").asText())
        .isEqualTo("ScaleApplication");
    assertThat(types.subList(types.size() - 2, types.size()))
        .containsExactly("deployment_step_success", "deployment_success");
    Map<String, List<String>> perTask = new LinkedHashMap<>();
    for (EventRecorder.Event e : list) {
      if (e.type().equals("status_update_event")) {
        perTask.computeIfAbsent(e.data().get("taskId").asText(), k -> new ArrayList<>()).add(e.data().get("taskStatus").asText());
      } else if (e.type().equals("health_status_changed_event")) {
        perTask.computeIfAbsent(e.data().get("taskId").asText(), k -> new ArrayList<>())
            .add("alive=" + e.data().get("alive").asBoolean());
      }
    }
    assertThat(perTask).hasSize(tasks);
    perTask.values().forEach(seq -> assertThat(seq).containsExactly("TASK_STAGING", "TASK_RUNNING", "alive=true"));
    for (EventRecorder.Event e : list) {
      if (e.type().equals("status_update_event")) {
        assertThat(e.data().get("appId").asText()).isEqualTo(appId);
        assertThat(e.data().get("ports")).hasSize(1);
        assertThat(e.data().get("host").asText()).isEqualTo("127.0.0.1");
      }
    }
  }

  /** Marathon's SSE framing: "event: TYPE", "data: JSON" with eventType TYPE and a timestamp, blank line. */
  private void assertWireFormat() {
    List<String> lines = events.rawLines();
    assertThat(lines.get(0)).isEqualTo("event: event_stream_attached");
    int frames = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("event: ")) {
        String type = lines.get(i).substring(7);
        assertThat(lines.get(i + 1)).startsWith("data: {");
        assertThat(lines.get(i + 1)).contains("\"eventType\":\"" + type + "\"", "\"timestamp\":\"");
        assertThat(lines.get(i + 2)).isEmpty();
        frames++;
      }
    }
    assertThat(frames).isEqualTo(events.events().size());
    EventRecorder.Event info = events.events(e -> e.type().equals("deployment_info")).get(0);
    assertThat(info.data().get("plan").get("original").get("id").asText()).isEqualTo("/");
    assertThat(info.data().get("plan").get("target").get("apps").get(0).get("id").asText()).isEqualTo(appId);
  }

  /** api_post_event, deployment_info, KILLING then KILLED for each task removed, then success. */
  private void assertScaleDownEventOrder(List<EventRecorder.Event> list, int killed) {
    List<String> types = list.stream().map(EventRecorder.Event::type).toList();
    assertThat(types.subList(0, 2)).containsExactly("api_post_event", "deployment_info");
    assertThat(types.subList(types.size() - 2, types.size()))
        .containsExactly("deployment_step_success", "deployment_success");
    Map<String, List<String>> perTask = list.stream()
        .filter(e -> e.type().equals("status_update_event"))
        .collect(Collectors.groupingBy(e -> e.data().get("taskId").asText(), LinkedHashMap::new,
            Collectors.mapping(e -> e.data().get("taskStatus").asText(), Collectors.toList())));
    assertThat(perTask).hasSize(killed);
    perTask.values().forEach(seq -> assertThat(seq).containsExactly("TASK_KILLING", "TASK_KILLED"));
    assertThat(types).doesNotContain("deployment_failed");
  }
}
