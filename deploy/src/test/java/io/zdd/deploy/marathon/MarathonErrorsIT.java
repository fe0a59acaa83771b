package io.zdd.deploy.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every error reply has Marathon's status and shape: 404 {message}, 409 locked
 * {message, deployments[{id}]}, 422 {message: "Object is not valid", details[{path, errors[]}]},
 * 400 {message: "Invalid JSON", details}. And a rejected request changes nothing.
 */
class MarathonErrorsIT {
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);
  private LocalMarathonFixture fixture;
  private MarathonClient client;

  @BeforeEach
  void start() throws Exception {
    fixture = new LocalMarathonFixture();
    client = fixture.client;
  }

  @AfterEach
  void stop() {
    fixture.close();
    assertThat(OsProcesses.withEnv("ERRORS_TEST", suffix)).isEmpty();
  }

  private static void assertMessageOnly(MarathonClient.Reply reply, int status, String messagePart) {
    assertThat(reply.status()).as(reply.text()).isEqualTo(status);
    assertThat(reply.json().get("message").isTextual()).isTrue();
    assertThat(reply.json().get("message").asText()).contains(messagePart);
  }

  /** The 422/400 shape; returns "path: error" strings. */
  private static List<String> details(MarathonClient.Reply reply, int status, String message) {
    assertThat(reply.status()).as(reply.text()).isEqualTo(status);
    assertThat(reply.json().get("message").asText()).isEqualTo(message);
    JsonNode details = reply.json().get("details");
    assertThat(details.isArray()).isTrue();
    assertThat(details).isNotEmpty();
    List<String> out = new ArrayList<>();
    for (JsonNode detail : details) {
      assertThat(detail.get("path").isTextual()).isTrue();
      assertThat(detail.get("errors").isArray()).isTrue();
      assertThat(detail.get("errors")).isNotEmpty();
      detail.get("errors").forEach(e -> {
        assertThat(e.isTextual()).isTrue();
        out.add(detail.get("path").asText() + ": " + e.asText());
      });
    }
    return out;
  }

  /** An app whose deployment never finishes: its health check can never pass. */
  private String lockedApp() {
    String appId = "/locked-" + suffix;
    MarathonClient.Reply reply = client.post("/v2/apps", Map.of("id", appId, "cmd", "sleep 300", "instances", 1,
        "env", Map.of("ERRORS_TEST", suffix),
        "healthChecks", List.of(Map.of("protocol", "TCP", "intervalSeconds", 1, "timeoutSeconds", 1,
            "gracePeriodSeconds", 300))));
    assertThat(reply.status()).isEqualTo(201);
    return reply.json().get("deployments").get(0).get("id").asText();
  }

  @Test
  void unknownThingsAre404() {
    assertMessageOnly(client.get("/v2/apps/nope"), 404, "App '/nope' does not exist");
    assertMessageOnly(client.delete("/v2/apps/nope"), 404, "App '/nope' does not exist");
    assertMessageOnly(client.get("/v2/apps/nope/tasks"), 404, "does not exist");
    assertMessageOnly(client.delete("/v2/deployments/" + UUID.randomUUID()), 404, "does not exist");
    assertMessageOnly(client.post("/v2/tasks/delete?scale=true", Map.of("ids", List.of("nope.123"))), 404,
        "App '/nope' does not exist");
    assertMessageOnly(client.get("/v2/nothing-here"), 404, "could not be found");
  }

  @Test
  void changesToAnAppInDeploymentAre409UnlessForced() {
    String deploymentId = lockedApp();
    String appId = "/locked-" + suffix;

    for (MarathonClient.Reply reply : List.of(
        client.put("/v2/apps" + appId, Map.of("instances", 2)),
        client.delete("/v2/apps" + appId),
        client.post("/v2/tasks/delete?scale=true",
            Map.of("ids", List.of(client.app(appId).get("tasks").get(0).get("id").asText()))))) {
      assertMessageOnly(reply, 409, "App is locked by one or more deployments. Override with the option '?force=true'.");
      assertThat(reply.json().get("deployments").get(0).get("id").asText()).isEqualTo(deploymentId);
    }
    assertThat(client.app(appId).get("instances").asInt()).isEqualTo(1);
    assertThat(client.app(appId).get("tasks")).hasSize(1);

    MarathonClient.Reply forced = client.put("/v2/apps" + appId + "?force=true", Map.of("instances", 2));
    assertThat(forced.status()).isEqualTo(200);
    String newDeployment = forced.json().get("deploymentId").asText();
    assertThat(client.get("/v2/deployments").json().findValuesAsText("id")).containsExactly(newDeployment);
    assertThat(client.app(appId).get("instances").asInt()).isEqualTo(2);
  }

  @Test
  void duplicateAppIs409() {
    lockedApp();
    MarathonClient.Reply again = client.post("/v2/apps", Map.of("id", "/locked-" + suffix, "cmd", "sleep 1"));

    assertMessageOnly(again, 409, "An app with id [/locked-" + suffix + "] already exists.");
  }

  @Test
  void invalidDefinitionsAre422WithPathsAndNothingIsCreated() {
    List<String> errors = details(client.post("/v2/apps",
        "{\"id\":\"Not_Valid\",\"instances\":-1,\"cpus\":\"many\",\"env\":{\"A\":1},"
            + "\"healthChecks\":[{\"protocol\":\"HTTP\",\"portIndex\":2}]}"),
        422, "Object is not valid");

    assertThat(errors).anyMatch(e -> e.startsWith("/id: must fully match regular expression"));
    assertThat(errors).contains("/instances: got -1, expected 0 or more", "/cpus: error.expected.jsnumber",
        "/env/A: error.expected.jsstring",
        "/: AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.",
        "/healthChecks(0): Health check port indices must address an element of the ports array or container port mappings.");
    assertThat(client.get("/v2/apps").json().get("apps")).isEmpty();

    assertThat(details(client.post("/v2/apps", "{\"cmd\":\"sleep 1\"}"), 422, "Object is not valid"))
        .containsExactly("/id: error.path.missing");
    assertThat(details(client.post("/v2/apps", "[1,2]"), 422, "Object is not valid"))
        .containsExactly("/: error.expected.jsobject");
    assertThat(details(client.post("/v2/tasks/delete", "{}"), 422, "Object is not valid"))
        .containsExactly("/ids: error.path.missing");
  }

  @Test
  void servicePortTakenByAnotherAppIs422() {
    MarathonClient.Reply first = client.post("/v2/apps", Map.of("id", "/first-" + suffix, "cmd", "sleep 300",
        "instances", 0, "portDefinitions", List.of(Map.of("port", 0))));
    int taken = first.json().get("portDefinitions").get(0).get("port").asInt();
    assertThat(taken).isBetween(10000, 20000);

    MarathonClient.Reply second = client.post("/v2/apps", Map.of("id", "/second-" + suffix, "cmd", "sleep 300",
        "instances", 0, "portDefinitions", List.of(Map.of("port", taken))));

    assertThat(details(second, 422, "Object is not valid")).containsExactly("/portDefinitions(0)/port: Requested service port "
        + taken + " conflicts with a service port in use by app /first-" + suffix);
    assertThat(client.get("/v2/apps/second-" + suffix).status()).isEqualTo(404);
    MarathonClient.Reply third = client.post("/v2/apps", Map.of("id", "/third-" + suffix, "cmd", "sleep 300",
        "instances", 0));
    assertThat(third.json().get("ports").get(0).asInt()).isNotEqualTo(taken); // assigned ports stay unique
  }

  @Test
  void malformedJsonIs400() {
    for (MarathonClient.Reply reply : List.of(
        client.post("/v2/apps", "{\"id\": \"x\", "),
        client.put("/v2/apps/x", "not json"),
        client.post("/v2/tasks/delete", "{]"),
        client.post("/v2/apps", ""))) {
      List<String> errors = details(reply, 400, "Invalid JSON");
      assertThat(errors).allMatch(e -> e.startsWith("/: "));
    }
    assertThat(client.get("/v2/apps").json().get("apps")).isEmpty();
  }

  @Test
  void badLabelSelectorIs422() {
    assertMessageOnly(client.get("/v2/apps?label=" + URLEncoder.encode("A in B", StandardCharsets.UTF_8)),
        422, "Invalid label selector term");
  }

  @Test
  void cancellingADeploymentRollsBackOrWithForceJustStops() {
    String first = lockedApp();
    String appId = "/locked-" + suffix;
    MarathonClient.Reply scaled = client.put("/v2/apps" + appId + "?force=true", Map.of("instances", 2));
    String second = scaled.json().get("deploymentId").asText();
    assertThat(second).isNotEqualTo(first);

    MarathonClient.Reply rollback = client.delete("/v2/deployments/" + second);

    assertThat(rollback.status()).isEqualTo(200);
    String rollbackId = rollback.json().get("deploymentId").asText();
    assertThat(client.app(appId).get("instances").asInt()).isEqualTo(1);
    assertThat(client.get("/v2/deployments").json().findValuesAsText("id")).containsExactly(rollbackId);
    await().atMost(Duration.ofSeconds(20)).until(() -> client.app(appId).get("tasks").size() == 1);

    MarathonClient.Reply forced = client.delete("/v2/deployments/" + rollbackId + "?force=true");
    assertThat(forced.status()).isEqualTo(202);
    assertThat(client.get("/v2/deployments").json()).isEmpty();
    assertThat(client.app(appId).get("deployments")).isEmpty();
  }
}
