package io.zdd.deploy.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A task whose health check starts failing is killed and replaced (the demo app, made
 * unhealthy through its own endpoint); a task killed from outside with {@code kill -9} is replaced.
 */
class TaskReplacementIT {
  private static final Duration DEADLINE = Duration.ofSeconds(40);
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);
  private LocalMarathonFixture fixture;
  private MarathonClient client;
  private EventRecorder events;

  @BeforeEach
  void start() throws Exception {
    fixture = new LocalMarathonFixture();
    client = fixture.client;
    events = new EventRecorder(fixture.url(), "?event_type=status_update_event&event_type=unhealthy_task_kill_event"
        + "&event_type=health_status_changed_event");
  }

  @AfterEach
  void stop() {
    events.close();
    fixture.close();
    assertThat(OsProcesses.withEnv("REPLACEMENT_TEST", suffix)).as("processes after close").isEmpty();
  }

  private static String demoAppCommand() {
    String classpath = System.getProperty("java.class.path");
    return "exec '" + LocalMarathonFixture.javaBinary() + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m"
        + " -cp '" + classpath + "' io.zdd.deploy.demoapp.DemoApp";
  }

  private JsonNode onlyTask(String appId) {
    JsonNode tasks = client.app(appId).get("tasks");
    assertThat(tasks).hasSize(1);
    return tasks.get(0);
  }

  @Test
  void taskThatTurnsUnhealthyIsKilledAndReplaced() throws Exception {
    String appId = "/demo-" + suffix;
    MarathonClient.Reply created = client.post("/v2/apps", Map.of(
        "id", appId,
        "cmd", demoAppCommand(),
        "instances", 1,
        "env", Map.of("REPLACEMENT_TEST", suffix, "ZDD_DEMO_VERSION", "v3", "ZDD_DEMO_DRAIN_SECONDS", "2"),
        "healthChecks", List.of(Map.of("protocol", "HTTP", "path", "/health", "intervalSeconds", 1,
            "timeoutSeconds", 1, "gracePeriodSeconds", 30, "maxConsecutiveFailures", 2))));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    await().atMost(DEADLINE).until(() -> client.app(appId).get("tasksHealthy").asInt() == 1);
    JsonNode task = onlyTask(appId);
    String oldId = task.get("id").asText();
    List<Long> oldPids = OsProcesses.withEnv("MESOS_TASK_ID", oldId);
    assertThat(oldPids).hasSize(1);
    int port = task.get("ports").get(0).asInt();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body()).contains("\"version\":\"v3\"", "\"app\":\"" + appId + "\"");

    HttpResponse<String> failed = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/fail"))
        .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(failed.statusCode()).isEqualTo(200);

    await().atMost(DEADLINE).until(() -> {
      JsonNode app = client.app(appId);
      return app.get("tasksHealthy").asInt() == 1 && !app.get("tasks").get(0).get("id").asText().equals(oldId);
    });
    assertThat(OsProcesses.alive(oldPids.get(0))).isFalse();
    assertThat(events.events(e -> e.type().equals("unhealthy_task_kill_event")
        && e.data().get("taskId").asText().equals(oldId))).hasSize(1);
    assertThat(events.events(e -> e.type().equals("health_status_changed_event")
        && e.data().get("taskId").asText().equals(oldId)).stream().map(e -> e.data().get("alive").asBoolean()).toList())
        .containsExactly(true, false);
    assertThat(events.events(e -> e.type().equals("status_update_event") && e.data().get("taskId").asText().equals(oldId))
        .stream().map(e -> e.data().get("taskStatus").asText()).toList())
        .containsExactly("TASK_STAGING", "TASK_RUNNING", "TASK_KILLING", "TASK_KILLED");
  }

  @Test
  void taskKilledFromOutsideIsReplaced() throws Exception {
    String appId = "/victim-" + suffix;
    client.post("/v2/apps", Map.of("id", appId, "cmd", LocalMarathonFixture.pythonServer(), "instances", 1,
        "env", Map.of("REPLACEMENT_TEST", suffix)));
    await().atMost(DEADLINE).until(() -> client.app(appId).get("tasksRunning").asInt() == 1
        && client.app(appId).get("deployments").isEmpty());
    String oldId = onlyTask(appId).get("id").asText();
    List<Long> pids = OsProcesses.withEnv("MESOS_TASK_ID", oldId);
    assertThat(pids).hasSize(1);

    Process kill = new ProcessBuilder("kill", "-9", String.valueOf(pids.get(0))).inheritIO().start();
    assertThat(kill.waitFor()).isZero();

    await().atMost(DEADLINE).until(() -> {
      JsonNode tasks = client.app(appId).get("tasks");
      return tasks.size() == 1 && !tasks.get(0).get("id").asText().equals(oldId)
          && tasks.get(0).get("state").asText().equals("TASK_RUNNING");
    });
    JsonNode app = client.app(appId);
    assertThat(app.get("lastTaskFailure").get("taskId").asText()).isEqualTo(oldId);
    assertThat(app.get("lastTaskFailure").get("state").asText()).isEqualTo("TASK_FAILED");
    assertThat(events.events(e -> e.type().equals("status_update_event") && e.data().get("taskId").asText().equals(oldId))
        .stream().map(e -> e.data().get("taskStatus").asText()).toList())
        .containsExactly("TASK_STAGING", "TASK_RUNNING", "TASK_FAILED");
    assertThat(OsProcesses.withEnv("MARATHON_APP_ID", appId)).hasSize(1);
    assertThat(events.events()).extracting(EventRecorder.Event::type).as("event_type filtering")
        .isNotEmpty()
        .allMatch(t -> List.of("status_update_event", "unhealthy_task_kill_event", "health_status_changed_event").contains(t));
  }
}
