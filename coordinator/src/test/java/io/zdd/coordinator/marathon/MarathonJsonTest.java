package io.zdd.coordinator.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.InvalidInputException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MarathonJsonTest {

  private static ObjectNode json(String text) {
    return MarathonJson.parseObject("test", text);
  }

  @Test
  void zddAppsFixture_parsesBlueAndGreenWithTasksLabelsAndHealth() {
    List<MarathonApp> apps = MarathonJson.parseAppsReply(Fixtures.json("zdd_apps.json"));

    assertThat(apps).extracting(MarathonApp::id).containsExactly("/nginx-green", "/nginx-blue");
    MarathonApp green = apps.get(0);
    assertThat(green.instances()).isEqualTo(3);
    assertThat(green.label("HAPROXY_DEPLOYMENT_GROUP")).contains("nginx");
    assertThat(green.label("HAPROXY_DEPLOYMENT_TARGET_INSTANCES")).contains("20");
    assertThat(green.label("NOPE")).isEmpty();
    assertThat(green.hasHealthChecks()).isTrue();
    assertThat(green.deploying()).isFalse();
    assertThat(green.versionInfo().lastScalingAt()).contains(Instant.parse("2016-02-01T22:57:48.784Z"));
    assertThat(green.portDefinitions()).extracting(MarathonApp.PortDefinition::port).containsExactly(10000);
    assertThat(green.portMappingsInDocker()).isTrue();
    assertThat(green.portMappings()).containsExactly(new MarathonApp.PortMapping(8080, 0, 10000, Optional.empty()));
    assertThat(green.networkingMode()).isEqualTo(NetworkingMode.BRIDGE);

    assertThat(green.tasks()).hasSize(3);
    MarathonTask first = green.tasks().get(0);
    assertThat(first.id()).isEqualTo("nginx-green.1883a887-c931-11e5-9836-026ee08d9f6f");
    assertThat(first.appId()).isEqualTo("/nginx-green");
    assertThat(first.host()).isEqualTo("10.0.6.25");
    assertThat(first.ports()).containsExactly(16916);
    assertThat(first.ipAddresses()).containsExactly("172.17.1.72");
    assertThat(first.state()).isEmpty();
    assertThat(first.healthCheckAlive()).containsExactly(true);
    assertThat(first.healthCheckPassing()).isTrue();
    assertThat(first.running()).isTrue();
    assertThat(first.startedAt()).contains(Instant.parse("2016-02-01T22:14:03.432Z"));

    MarathonApp blue = apps.get(1);
    assertThat(blue.ports()).containsExactly(10001);
    assertThat(blue.firstServicePort()).contains(10001);
    assertThat(blue.label("HAPROXY_DEPLOYMENT_COLOUR")).contains("blue");
  }

  @Test
  void marathon15Fixture_parsesNetworksContainerPortMappingsAndTaskState() {
    MarathonApp app = MarathonJson.parseAppsReply(Fixtures.json("marathon15_apps.json")).get(0);

    assertThat(app.id()).isEqualTo("/pywebserver");
    assertThat(app.networkModes()).containsExactly("container/bridge");
    assertThat(app.dockerNetwork()).isEmpty();
    assertThat(app.portMappingsInDocker()).isFalse();
    assertThat(app.portMappings()).containsExactly(new MarathonApp.PortMapping(80, 0, 10101, Optional.of("test")));
    assertThat(app.ports()).isEmpty();
    assertThat(app.firstServicePort()).contains(10101);
    assertThat(app.hasHealthChecks()).isFalse();
    assertThat(app.networkingMode()).isEqualTo(NetworkingMode.BRIDGE);
    MarathonTask task = app.tasks().get(0);
    assertThat(task.state()).contains("TASK_RUNNING");
    assertThat(task.healthCheckAlive()).isEmpty();
    assertThat(task.healthCheckPassing()).isFalse();
  }

  @Test
  void userDefinitionFixtures_parseWithoutTasksAndFindTheServicePort() {
    MarathonApp old = MarathonJson.parseApp(Fixtures.json("1-nginx.json"), "app");
    MarathonApp v15 = MarathonJson.parseApp(Fixtures.json("1-nginx-marathon1.5.json"), "app");

    assertThat(old.tasks()).isEmpty();
    assertThat(old.firstServicePort()).contains(10000);
    assertThat(old.dockerNetwork()).contains("BRIDGE");
    assertThat(v15.firstServicePort()).contains(10000);
    assertThat(v15.networkingMode()).isEqualTo(NetworkingMode.BRIDGE);
    assertThat(v15.label("HAPROXY_DEPLOYMENT_ALT_PORT")).contains("10001");
  }

  @Test
  void appJson_roundTripsUnchangedThroughRaw() {
    ObjectNode original = (ObjectNode) Fixtures.json("zdd_app_blue_marathon1.5.json").get("apps").get(0);
    MarathonApp app = MarathonJson.parseApp(original, "app");

    assertThat(app.raw()).isEqualTo(original);
    app.raw().put("instances", 99);
    original.put("instances", 98);
    assertThat(app.raw().get("instances").intValue()).isEqualTo(3);
  }

  @Test
  void unknownFieldsAndNulls_areIgnored() {
    MarathonApp app = MarathonJson.parseApp(json("""
        {"id":"/a","instances":1,"someFutureField":{"x":[1,2]},"labels":null,"ports":null,
         "container":null,"tasks":[{"id":"a.1","host":"h","futureTaskField":true,"ports":[1]}]}
        """), "app");

    assertThat(app.labels()).isEmpty();
    assertThat(app.tasks()).extracting(MarathonTask::appId).containsExactly("/a");
  }

  @Test
  void appWithoutId_failsNamingTheField() {
    assertThatThrownBy(() -> MarathonJson.parseAppsReply(json("""
        {"apps":[{"id":"/ok","instances":1},{"instances":2}]}""")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("apps[1].id"));
  }

  @Test
  void nonIntegerInstances_failsNamingTheField() {
    assertThatThrownBy(() -> MarathonJson.parseApp(json("{\"id\":\"/a\",\"instances\":\"3\"}"), "app"))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("app.instances"));
  }

  @Test
  void taskWithoutId_failsNamingTheTaskPath() {
    assertThatThrownBy(() -> MarathonJson.parseApp(json("""
        {"id":"/a","instances":1,"tasks":[{"id":"a.1"},{"host":"h"}]}"""), "app"))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("app.tasks[1].id"));
  }

  @Test
  void taskPortOutOfRange_failsNamingThePort() {
    assertThatThrownBy(() -> MarathonJson.parseApp(json("""
        {"id":"/a","instances":1,"tasks":[{"id":"a.1","ports":[80,70000]}]}"""), "app"))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("app.tasks[0].ports[1]"));
  }

  @Test
  void healthResultWithoutAlive_failsNamingIt() {
    assertThatThrownBy(() -> MarathonJson.parseApp(json("""
        {"id":"/a","instances":1,"tasks":[{"id":"a.1","healthCheckResults":[{"consecutiveFailures":1}]}]}"""), "app"))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("app.tasks[0].healthCheckResults[0].alive"));
  }

  @Test
  void objectLabelValue_failsNamingTheLabel() {
    assertThatThrownBy(() -> MarathonJson.parseApp(json("{\"id\":\"/a\",\"instances\":1,\"labels\":{\"L\":{}}}"), "app"))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("app.labels.L"));
  }

  @Test
  void badTimestamp_failsNamingIt() {
    assertThatThrownBy(() -> MarathonJson.parseApp(json(
        "{\"id\":\"/a\",\"instances\":1,\"versionInfo\":{\"lastScalingAt\":\"yesterday\"}}"), "app"))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("app.versionInfo.lastScalingAt"));
  }

  @Test
  void notJson_failsWithClearMessage() {
    assertThatThrownBy(() -> MarathonJson.parseObject("definition", "{\"id\": "))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("definition: not valid JSON");
    assertThatThrownBy(() -> MarathonJson.parseObject("definition", "[1]"))
        .isInstanceOf(InvalidInputException.class).hasMessage("definition: must be a JSON object");
  }

  @Test
  void deploymentsAndStateNotRunning_areReported() {
    MarathonApp app = MarathonJson.parseApp(json("""
        {"id":"/a","instances":2,"deployments":[{"id":"5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43"}],
         "tasks":[{"id":"a.1","host":"h","state":"TASK_STAGING"},{"id":"a.2","state":"TASK_RUNNING"}]}"""), "app");

    assertThat(app.deploying()).isTrue();
    assertThat(app.deployments()).containsExactly(MarathonDeploymentRef.of("5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43"));
    assertThat(app.tasks()).extracting(MarathonTask::running).containsExactly(false, false);
  }
}
