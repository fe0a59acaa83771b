package io.zdd.coordinator.marathon;

import io.zdd.common.testing.MutableClock;
import static io.zdd.coordinator.marathon.FakeMarathon.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.UnavailableException;
import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MarathonPortAdapterTest {
  private FakeMarathon marathon;
  private MarathonPortAdapter port;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T05:00:00Z"));

  @BeforeEach
  void start() throws Exception {
    marathon = new FakeMarathon();
    var config = MarathonClientConfig.defaults(marathon.uri())
        .withLockedAppPolicy(LockedAppPolicy.waitThenFail(Duration.ofSeconds(1)));
    var client = new HttpMarathonClient(config, HttpMarathonClient.newHttpClient(config), MarathonAuth.NONE,
        new SimpleMeterRegistry(), clock);
    TaskAddressResolver resolver = new TaskAddressResolver(host -> {
      if (host.equals("agent-down.example")) {
        throw new UnavailableException("host 'agent-down.example' does not resolve");
      }
      return host;
    });
    port = new MarathonPortAdapter(client, resolver);
  }

  @AfterEach
  void stop() {
    marathon.close();
  }

  @Test
  void listAppsInGroup_asksByLabelAndResolvesEveryTask() {
    marathon.on("GET", "/v2/apps", json(200, Fixtures.text("zdd_apps.json")));

    List<AppStatus> apps = port.listAppsInGroup("nginx");

    assertThat(marathon.requests().get(0).query())
        .isEqualTo("embed=apps.tasks&label=HAPROXY_DEPLOYMENT_GROUP%3D%3Dnginx");
    assertThat(apps).extracting(AppStatus::id).containsExactly("/nginx-green", "/nginx-blue");
    AppStatus green = apps.get(0);
    assertThat(green.servicePorts()).containsExactly(10000);
    assertThat(green.deploymentsInProgress()).isFalse();
    assertThat(green.lastScalingAt()).contains(Instant.parse("2016-02-01T22:57:48.784Z"));
    assertThat(green.tasks()).extracting(t -> t.address() + ":" + t.port(0))
        .containsExactly("10.0.6.25:16916", "10.0.6.25:31184", "10.0.6.25:23336");
    // Marathon 1.4 sends no task state; started tasks count as running; all health checks alive.
    assertThat(green.tasks()).allSatisfy(t -> assertThat(t.serving()).isTrue());
    assertThat(apps.get(1).servicePorts()).containsExactly(10001);
  }

  @Test
  void listAppsInGroup_dropsAppsOfOtherGroupsALaxServerReturns() {
    marathon.on("GET", "/v2/apps", json(200, Fixtures.text("zdd_apps.json")));

    assertThat(port.listAppsInGroup("other")).isEmpty();
  }

  @Test
  void getApp_userNetworkTaskUsesItsOwnIpAndContainerPort() {
    marathon.on("GET", "/v2/apps/u", json(200, """
        {"app":{"id":"/u","instances":2,"labels":{"HAPROXY_DEPLOYMENT_GROUP":"u"},
         "networks":[{"mode":"container","name":"dcos"}],
         "container":{"type":"MESOS","portMappings":[{"containerPort":8080,"servicePort":10050}]},
         "healthChecks":[{"protocol":"MESOS_HTTP","portIndex":0}],
         "deployments":[{"id":"d1"}],
         "tasks":[
           {"id":"u.1","host":"agent-down.example","state":"TASK_RUNNING","ipAddresses":[{"ipAddress":"9.0.0.7"}],
            "healthCheckResults":[{"alive":true}]},
           {"id":"u.2","host":"10.0.0.2","state":"TASK_RUNNING","ipAddresses":[],
            "healthCheckResults":[{"alive":true}]}]}}"""));

    AppStatus app = port.getApp("/u");

    assertThat(app.deploymentsInProgress()).isTrue();
    assertThat(app.servicePorts()).containsExactly(10050);
    TaskStatus withIp = app.task("u.1").orElseThrow();
    assertThat(withIp.address()).isEqualTo("9.0.0.7");
    assertThat(withIp.ports()).containsExactly(8080);
    assertThat(withIp.serving()).isTrue();
    TaskStatus noIpYet = app.task("u.2").orElseThrow();
    assertThat(noIpYet.address()).isEmpty();
    assertThat(noIpYet.serving()).isFalse();
  }

  @Test
  void getApp_unresolvableAgentOrFailingHealth_isNotServingButStillListed() {
    marathon.on("GET", "/v2/apps/h", json(200, """
        {"app":{"id":"/h","instances":2,"portDefinitions":[{"port":10060}],
         "healthChecks":[{"protocol":"HTTP","portIndex":0}],
         "tasks":[
           {"id":"h.1","host":"agent-down.example","state":"TASK_RUNNING","ports":[31000],"healthCheckResults":[{"alive":true}]},
           {"id":"h.2","host":"10.0.0.3","state":"TASK_RUNNING","ports":[31001],"healthCheckResults":[{"alive":false}]}]}}"""));

    AppStatus app = port.getApp("h");

    assertThat(app.tasks()).extracting(TaskStatus::id).containsExactly("h.1", "h.2");
    assertThat(app.tasks()).noneMatch(TaskStatus::serving);
    assertThat(app.task("h.2").orElseThrow().address()).isEqualTo("10.0.0.3");
    assertThat(app.task("h.2").orElseThrow().healthy()).isFalse();
  }

  @Test
  void writes_goToTheRightCallsWithTheRightBodies() {
    String deployed = "{\"version\":\"v\",\"deploymentId\":\"d\"}";
    marathon.on("POST", "/v2/apps", json(201, "{\"id\":\"/nginx-blue\",\"instances\":1}"))
        .on("PUT", "/v2/apps/nginx-blue", json(200, deployed))
        .on("POST", "/v2/tasks/delete", json(200, deployed))
        .on("DELETE", "/v2/apps/nginx-green", json(200, deployed));

    port.createApp(new AppDefinition(Fixtures.json("1-nginx.json").put("id", "/nginx-blue")));
    port.scaleApp("/nginx-blue", 5);
    port.killTasksAndScale("/nginx-green", List.of("nginx-green.1", "nginx-green.2"));
    port.deleteApp("/nginx-green");

    assertThat(marathon.requests())
        .extracting(r -> r.method() + " " + r.path() + (r.query() == null ? "" : "?" + r.query()) + " " + r.body())
        .containsExactly(
            "POST /v2/apps " + Fixtures.json("1-nginx.json").put("id", "/nginx-blue"),
            "PUT /v2/apps/nginx-blue {\"instances\":5}",
            "POST /v2/tasks/delete?scale=true {\"ids\":[\"nginx-green.1\",\"nginx-green.2\"]}",
            "DELETE /v2/apps/nginx-green ");
  }

  @Test
  void scaleLockedTooLong_surfacesAsConflictForTheEngine() {
    marathon.on("PUT", "/v2/apps/web", json(409, "{\"message\":\"App is locked\",\"deployments\":[{\"id\":\"d9\"}]}"));

    assertThatThrownBy(() -> port.scaleApp("web", 2)).isInstanceOf(ConflictException.class).hasMessageContaining("d9");
  }
}
