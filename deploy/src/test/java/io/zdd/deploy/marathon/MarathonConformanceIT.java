package io.zdd.deploy.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The fixture app definitions (real marathon-lb test data) are posted to the local
 * scheduler, run as real processes, and every GET reply is compared field by field (names, JSON
 * types, nesting) with the real Marathon 1.4 / 1.5 replies in the fixtures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MarathonConformanceIT {
  private static final Duration READY = Duration.ofSeconds(30);
  private final String marker = UUID.randomUUID().toString();
  private LocalMarathonFixture fixture;
  private MarathonClient client;

  @BeforeAll
  void startAndDeployFixtureApps() throws Exception {
    fixture = new LocalMarathonFixture();
    client = fixture.client;
    JsonNode zddApps = json("zdd_apps.json");
    deploy(definition("1-nginx.json", "/nginx-green", 10000, zddApps.get("apps").get(0).get("labels")));
    deploy(definition("1-nginx.json", "/nginx-blue", 10001, zddApps.get("apps").get(1).get("labels")));
    ObjectNode canaryLabels = (ObjectNode) json("zdd_app_blue_marathon1.5.json").get("apps").get(0).get("labels").deepCopy();
    canaryLabels.put("HAPROXY_DEPLOYMENT_COLOUR", "canary");
    deploy(definition("1-nginx-marathon1.5.json", "/nginx-canary", 10002, canaryLabels));
    // marathon15_apps.json is a GET reply: what a client sends back after editing it.
    ObjectNode pyweb = (ObjectNode) json("marathon15_apps.json").get("apps").get(0).deepCopy();
    pyweb.remove(AppDefinitions.RUNTIME_FIELDS);
    pyweb.put("cmd", LocalMarathonFixture.pythonServer());
    pyweb.putObject("env").put("CONFORMANCE_MARKER", marker);
    deploy(pyweb);
    for (String id : new String[] {"/nginx-green", "/nginx-blue", "/nginx-canary"}) {
      await().atMost(READY).until(() -> {
        JsonNode app = client.app(id);
        return app.get("deployments").isEmpty() && app.get("tasksHealthy").asInt() == app.get("instances").asInt();
      });
    }
    await().atMost(READY).until(() -> client.app("/pywebserver").get("deployments").isEmpty());
  }

  @AfterAll
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
    assertThat(OsProcesses.withEnv("CONFORMANCE_MARKER", marker)).as("task processes after close").isEmpty();
  }

  private static JsonNode json(String name) throws Exception {
    return MarathonClient.JSON.readTree(LocalMarathonFixture.fixture(name));
  }

  /** A fixture definition made runnable here: a local command instead of the docker image, fast health checks. */
  private ObjectNode definition(String file, String id, int servicePort, JsonNode labels) throws Exception {
    ObjectNode app = (ObjectNode) json(file);
    app.put("id", id);
    app.put("cmd", LocalMarathonFixture.pythonServer());
    app.put("instances", 1);
    app.putObject("env").put("CONFORMANCE_MARKER", marker);
    app.set("labels", labels.deepCopy());
    JsonNode mappings = AppDefinitions.portMappings(app);
    ((ObjectNode) mappings.get(0)).put("servicePort", servicePort);
    for (JsonNode check : app.get("healthChecks")) {
      ((ObjectNode) check).put("intervalSeconds", 1).put("timeoutSeconds", 1);
    }
    return app;
  }

  private void deploy(ObjectNode app) {
    MarathonClient.Reply reply = client.post("/v2/apps", app);
    assertThat(reply.status()).as(reply.text()).isEqualTo(201);
    assertThat(reply.json().get("deployments")).hasSize(1);
  }

  private static List<String> ids(JsonNode appList) {
    List<String> ids = new ArrayList<>();
    appList.get("apps").forEach(a -> ids.add(a.get("id").asText()));
    return ids;
  }

  private static void assertSameShape(JsonNode expected, JsonNode actual) {
    assertThat(JsonShape.differences(expected, actual)).as("shape differences against the fixture").isEmpty();
  }

  @Test
  void singleAppReplyMatchesMarathon14Fixture() throws Exception {
    JsonNode expected = json("zdd_app_blue.json").get("apps").get(0);

    assertSameShape(expected, client.app("/nginx-green"));
  }

  @Test
  void singleAppReplyMatchesMarathon15Fixture() throws Exception {
    JsonNode expected = json("zdd_app_blue_marathon1.5.json").get("apps").get(0);

    assertSameShape(expected, client.app("/nginx-canary"));
  }

  @Test
  void appListWithTasksAndLabelFilterMatchesZddAppsFixture() throws Exception {
    MarathonClient.Reply reply = client.get("/v2/apps?embed=apps.tasks&label="
        + URLEncoder.encode("HAPROXY_DEPLOYMENT_GROUP==nginx,HAPROXY_DEPLOYMENT_COLOUR in (green, blue)",
            StandardCharsets.UTF_8));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(ids(reply.json())).containsExactlyInAnyOrder("/nginx-green", "/nginx-blue");
    assertSameShape(json("zdd_apps.json"), reply.json());
  }

  @Test
  void appListOfMarathon15StyleAppMatchesMarathon15Fixture() throws Exception {
    MarathonClient.Reply reply = client.get("/v2/apps?embed=apps.tasks&label=HAPROXY_0_VHOST");

    assertThat(ids(reply.json())).containsExactly("/pywebserver");
    assertSameShape(json("marathon15_apps.json"), reply.json());
  }

  @Test
  void appListWithoutEmbedHasCountsAndDeploymentsButNoTasks() {
    JsonNode apps = client.get("/v2/apps").json().get("apps");

    assertThat(apps).hasSize(4);
    for (JsonNode app : apps) {
      assertThat(app.has("tasks")).isFalse();
      assertThat(app.has("tasksRunning")).isTrue();
      assertThat(app.has("deployments")).isTrue();
    }
  }

  @Test
  void tasksRunOnTheirHostPortsAndServicePortsAreTheRequestedOnes() {
    JsonNode green = client.app("/nginx-green");
    JsonNode blue = client.app("/nginx-blue");

    assertThat(green.get("ports").get(0).asInt()).isEqualTo(10000);
    assertThat(blue.get("ports").get(0).asInt()).isEqualTo(10001);
    assertThat(green.get("container").get("docker").get("portMappings").get(0).get("servicePort").asInt()).isEqualTo(10000);
    int hostPort = green.get("tasks").get(0).get("ports").get(0).asInt();
    assertThat(hostPort).isBetween(31000, 32000);
    assertThat(green.get("tasks").get(0).get("healthCheckResults").get(0).get("alive").asBoolean()).isTrue();
  }

  @Test
  void taskListAndInfoAndPingAnswer() {
    JsonNode tasks = client.get("/v2/tasks").json().get("tasks");
    assertThat(tasks).hasSize(4);
    assertThat(tasks.get(0).has("servicePorts")).isTrue();
    assertThat(client.get("/v2/tasks?status=running").json().get("tasks")).hasSize(4);
    assertThat(client.get("/v2/info").json().get("name").asText()).isEqualTo("marathon");
    MarathonClient.Reply ping = client.get("/ping");
    assertThat(ping.status()).isEqualTo(200);
    assertThat(ping.text().trim()).isEqualTo("pong");
  }
}
