package io.zdd.deploy.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A configuration change (not just instances) replaces every task by a new one through a
 * RestartApplication deployment, never dropping below the healthy minimum (minimumHealthCapacity 1).
 */
class RollingRestartIT {
  @Test
  void configChangeReplacesEveryTaskWithoutDroppingHealthyCapacity() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String appId = "/rolling-" + suffix;
    try (LocalMarathonFixture fixture = new LocalMarathonFixture();
        EventRecorder events = new EventRecorder(fixture.url(), "?plan-format=light&event_type=deployment_info")) {
      MarathonClient client = fixture.client;
      client.post("/v2/apps", Map.of("id", appId, "cmd", LocalMarathonFixture.pythonServer(), "instances", 2,
          "env", Map.of("ROLLING_TEST", suffix, "GENERATION", "1"),
          "healthChecks", List.of(Map.of("protocol", "HTTP", "intervalSeconds", 1, "timeoutSeconds", 1,
              "gracePeriodSeconds", 10))));
      await().atMost(Duration.ofSeconds(30)).until(() -> client.app(appId).get("deployments").isEmpty()
          && client.app(appId).get("tasksHealthy").asInt() == 2);
      JsonNode before = client.app(appId);
      List<String> oldIds = before.get("tasks").findValuesAsText("id");

      MarathonClient.Reply reply = client.put("/v2/apps" + appId,
          Map.of("env", Map.of("ROLLING_TEST", suffix, "GENERATION", "2")));
      assertThat(reply.status()).isEqualTo(200);
      List<Integer> healthySeen = new ArrayList<>();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
        JsonNode app = client.app(appId);
        healthySeen.add((int) app.get("tasks").findValuesAsText("alive").stream().filter(a -> a.equals("true")).count());
        return app.get("deployments").isEmpty();
      });

      JsonNode after = client.app(appId);
      assertThat(after.get("tasks")).hasSize(2);
      assertThat(after.get("tasks").findValuesAsText("id")).doesNotContainAnyElementsOf(oldIds);
      assertThat(after.get("versionInfo").get("lastConfigChangeAt").asText()).isEqualTo(after.get("version").asText());
      assertThat(after.get("tasks").findValuesAsText("version")).containsOnly(after.get("version").asText());
      assertThat(healthySeen).as("healthy tasks while restarting").allMatch(n -> n >= 2);
      assertThat(events.events().get(events.events().size() - 1).data().get("currentStep").get("actions").get(0)
          .get("action").asText()).isEqualTo("RestartApplication");
      JsonNode lightPlan = events.events().get(0).data().get("plan");
      assertThat(lightPlan.has("id")).isTrue();
      assertThat(lightPlan.has("original")).as("plan-format=light leaves out original and target").isFalse();
      assertThat(lightPlan.has("target")).isFalse();
      assertThat(OsProcesses.withEnv("GENERATION", "2").stream()
          .filter(pid -> OsProcesses.withEnv("ROLLING_TEST", suffix).contains(pid)).count()).isEqualTo(2);
    }
    assertThat(OsProcesses.withEnv("ROLLING_TEST", suffix)).isEmpty();
  }

  /** A client that PUTs back the app it got from GET, with other instances, scales; it does not restart. */
  @Test
  void putBackOfTheGetReplyWithNewInstancesIsAScaleNotARestart() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String appId = "/roundtrip-" + suffix;
    try (LocalMarathonFixture fixture = new LocalMarathonFixture();
        EventRecorder events = new EventRecorder(fixture.url(), "?event_type=deployment_info")) {
      MarathonClient client = fixture.client;
      ObjectNode definition = (ObjectNode) MarathonClient.JSON.readTree(LocalMarathonFixture.fixture("1-nginx.json"));
      definition.put("id", appId).put("cmd", LocalMarathonFixture.pythonServer()).put("instances", 1);
      definition.putObject("env").put("ROUNDTRIP_TEST", suffix);
      ((ObjectNode) definition.get("healthChecks").get(0)).put("intervalSeconds", 1).put("timeoutSeconds", 1);
      assertThat(client.post("/v2/apps", definition).status()).isEqualTo(201);
      await().atMost(Duration.ofSeconds(30)).until(() -> client.app(appId).get("deployments").isEmpty());
      ObjectNode got = (ObjectNode) client.app(appId);
      String taskId = got.get("tasks").get(0).get("id").asText();

      got.put("instances", 2);
      MarathonClient.Reply reply = client.put("/v2/apps" + appId, got);

      assertThat(reply.status()).as(reply.text()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(30)).until(() -> client.app(appId).get("deployments").isEmpty());
      JsonNode after = client.app(appId);
      assertThat(after.get("tasks").findValuesAsText("id")).contains(taskId).hasSize(2);
      assertThat(after.get("versionInfo").get("lastConfigChangeAt").asText())
          .isEqualTo(got.get("versionInfo").get("lastConfigChangeAt").asText());
      assertThat(events.events().get(events.events().size() - 1).data().get("currentStep").get("actions").get(0)
          .get("action").asText()).isEqualTo("ScaleApplication");
    }
    assertThat(OsProcesses.withEnv("ROUNDTRIP_TEST", suffix)).isEmpty();
  }
}
