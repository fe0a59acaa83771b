package io.zdd.coordinator.marathon;

import io.zdd.common.testing.MutableClock;
import static io.zdd.coordinator.marathon.FakeMarathon.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpMarathonClientTest {
  private static final String LOCKED = """
      {"message":"App is locked by one or more deployments. Override with the option '?force=true'. \
      View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
       "deployments":[{"id":"97c136bf-5a28-4821-9d94-480d9fbb01c8"}]}""";
  private static final String DEPLOYED =
      "{\"version\":\"2026-11-26T05:00:00.000Z\",\"deploymentId\":\"5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43\"}";

  private FakeMarathon marathon;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T05:00:00Z"));
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeEach
  void start() throws Exception {
    marathon = new FakeMarathon();
  }

  @AfterEach
  void stop() {
    marathon.close();
  }

  private MarathonClientConfig config() {
    return MarathonClientConfig.defaults(marathon.uri())
        .withRequestTimeout(Duration.ofSeconds(5))
        .withLockedAppPolicy(LockedAppPolicy.waitThenFail(Duration.ofSeconds(5)));
  }

  private HttpMarathonClient client(MarathonClientConfig config) {
    return client(config, MarathonAuth.NONE, meters);
  }

  private HttpMarathonClient client(MarathonClientConfig config, MarathonAuth auth, MeterRegistry registry) {
    return new HttpMarathonClient(config, HttpMarathonClient.newHttpClient(config), auth, registry, clock);
  }

  private double count(String method, String code) {
    var counter = meters.find("zdd.marathon.requests").tag("method", method).tag("code", code).counter();
    return counter == null ? 0 : counter.count();
  }

  // ---- reads -----------------------------------------------------------------------------------

  @Test
  void listApps_sendsEmbedTasksAndParsesTheFixture() {
    marathon.on("GET", "/v2/apps", json(200, Fixtures.text("zdd_apps.json")));

    List<MarathonApp> apps = client(config()).listApps();

    assertThat(apps).extracting(MarathonApp::id).containsExactly("/nginx-green", "/nginx-blue");
    assertThat(apps.get(0).tasks()).hasSize(3);
    FakeMarathon.Recorded r = marathon.requests().get(0);
    assertThat(r.method()).isEqualTo("GET");
    assertThat(r.query()).isEqualTo("embed=apps.tasks");
    assertThat(r.header("Accept")).isEqualTo("application/json");
    assertThat(r.header("Authorization")).isNull();
    assertThat(r.body()).isEmpty();
    assertThat(count("GET", "200")).isEqualTo(1.0);
  }

  @Test
  void listAppsWithLabelSelector_sendsTheSelectorUrlEncoded() {
    marathon.on("GET", "/v2/apps", json(200, Fixtures.text("marathon15_apps.json")));

    List<MarathonApp> apps = client(config()).listApps("HAPROXY_DEPLOYMENT_GROUP==nginx");

    assertThat(apps).extracting(MarathonApp::id).containsExactly("/pywebserver");
    assertThat(marathon.requests().get(0).query())
        .isEqualTo("embed=apps.tasks&label=HAPROXY_DEPLOYMENT_GROUP%3D%3Dnginx");
  }

  @Test
  void getApp_withOrWithoutLeadingSlash_requestsTheSamePathAndParsesTasks() {
    marathon.on("GET", "/v2/apps/nginx-green", json(200, Fixtures.singleAppReply("zdd_app_blue_marathon1.5.json")));
    HttpMarathonClient client = client(config());

    MarathonApp withSlash = client.getApp("/nginx-green");
    MarathonApp without = client.getApp("nginx-green");

    assertThat(marathon.requests()).extracting(FakeMarathon.Recorded::path)
        .containsExactly("/v2/apps/nginx-green", "/v2/apps/nginx-green");
    assertThat(withSlash.raw()).isEqualTo(without.raw());
    assertThat(withSlash.networkModes()).containsExactly("container/bridge");
    assertThat(withSlash.tasks()).extracting(MarathonTask::ports).containsExactly(List.of(16916), List.of(31184), List.of(23336));
  }

  @Test
  void getAppInAGroup_keepsTheGroupPath() {
    marathon.on("GET", "/v2/apps/prod/web", json(200, Fixtures.singleAppReply("zdd_app_blue.json")));

    client(config()).getApp("/prod/web");

    assertThat(marathon.requests().get(0).path()).isEqualTo("/v2/apps/prod/web");
  }

  @Test
  void getAppUnknown_throwsNotFoundWithMarathonsMessage() {
    marathon.on("GET", "/v2/apps/nope", json(404, "{\"message\":\"App '/nope' does not exist\"}"));

    assertThatThrownBy(() -> client(config()).getApp("/nope"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("404").hasMessageContaining("App '/nope' does not exist");
    assertThat(marathon.requests()).hasSize(1);
    assertThat(count("GET", "404")).isEqualTo(1.0);
  }

  @Test
  void getAppWithPathEscapingId_isRejectedBeforeAnyRequest() {
    HttpMarathonClient client = client(config());

    assertThatThrownBy(() -> client.getApp("/a/../../v2/info")).isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("app id:");
    assertThatThrownBy(() -> client.getApp("a?b=c")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> client.getApp("/")).isInstanceOf(InvalidInputException.class);
    assertThat(marathon.requests()).isEmpty();
  }

  @Test
  void getApp500_failsAtOnce_theCallerRepeats() {
    marathon.on("GET", "/v2/apps/nginx-green",
        json(500, "{\"message\":\"boom\"}"), json(200, Fixtures.singleAppReply("zdd_app_blue.json")));
    HttpMarathonClient client = client(config());

    assertThatThrownBy(() -> client.getApp("nginx-green")).isInstanceOf(UnavailableException.class)
        .hasMessageContaining("500");
    assertThat(marathon.requests()).as("no retry inside the call").hasSize(1);
    MarathonApp app = client.getApp("nginx-green");

    assertThat(app.instances()).isEqualTo(3);
    assertThat(count("GET", "500")).isEqualTo(1.0);
    assertThat(count("GET", "200")).isEqualTo(1.0);
  }

  @Test
  void aReplyLargerThanMaxMarathonReply_isUnavailableNamingTheFlag_andTheNextCallWorks() {
    String big = "{\"apps\":[],\"padding\":\"" + "p".repeat(70 << 10) + "\"}";
    marathon.on("GET", "/v2/apps", json(200, big), json(200, "{\"apps\":[]}"));
    HttpMarathonClient client = client(config().withLimits(64 << 10, 4 << 10));

    assertThatThrownBy(client::listApps).isInstanceOf(UnavailableException.class)
        .hasMessageContaining("GET /v2/apps").hasMessageContaining("reply larger than 65536 bytes (--max-marathon-reply)");
    assertThat(count("GET", "too_large")).isEqualTo(1.0);
    assertThat(client.listApps()).isEmpty();
  }

  @Test
  void limitsOutsideTheirRange_areRefusedNamingTheFlag() {
    assertThatThrownBy(() -> config().withLimits(1024, 1024)).hasMessageContaining("--max-marathon-reply");
    assertThatThrownBy(() -> config().withLimits(1 << 20, 100)).hasMessageContaining("--max-sse-line");
    assertThatThrownBy(() -> config().withLimits(1 << 20, 2 << 20))
        .hasMessageContaining("--max-sse-line: must not exceed --max-marathon-reply");
  }

  @Test
  void getApp503_isUnavailableWithMarathonsMessage() {
    marathon.on("GET", "/v2/apps/web", json(503, "{\"message\":\"not leader yet\"}"));

    assertThatThrownBy(() -> client(config()).getApp("web"))
        .isInstanceOf(UnavailableException.class).hasMessageContaining("503").hasMessageContaining("not leader yet");
    assertThat(marathon.requests()).hasSize(1);
  }

  @Test
  void getAppNeverAnswered_timesOutOnceAsDeadlineExceeded() {
    marathon.on("GET", "/v2/apps/web", marathon.hang());
    HttpMarathonClient client = client(config().withRequestTimeout(Duration.ofMillis(300)));

    long start = System.nanoTime();
    assertThatThrownBy(() -> client.getApp("web"))
        .isInstanceOf(DeadlineExceededException.class).hasMessageContaining("no answer within 300 ms");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
    assertThat(marathon.requests()).hasSize(1);
    assertThat(count("GET", "timeout")).isEqualTo(1.0);
  }

  @Test
  void marathonDown_connectionRefusedIsUnavailable() throws Exception {
    int port = marathon.port();
    marathon.close();
    var config = new MarathonClientConfig(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(1),
        Duration.ofSeconds(1), LockedAppPolicy.waitThenFail(Duration.ZERO), MarathonClientConfig.DEFAULT_MAX_REPLY_BYTES,
        MarathonClientConfig.DEFAULT_MAX_SSE_LINE);

    assertThatThrownBy(() -> client(config).listApps()).isInstanceOf(UnavailableException.class)
        .hasMessageContaining("GET /v2/apps");
    assertThat(count("GET", "io_error")).isEqualTo(1.0);
    assertThat(client(config).ping()).isFalse();
  }

  @Test
  void replyMissingAField_failsNamingIt() {
    marathon.on("GET", "/v2/apps", json(200, "{\"apps\":[{\"id\":\"/a\",\"instances\":1,\"tasks\":[{\"host\":\"h\"}]}]}"));

    assertThatThrownBy(() -> client(config()).listApps())
        .isInstanceOfSatisfying(MarathonReplyException.class, e -> assertThat(e.field()).isEqualTo("apps[0].tasks[0].id"))
        .hasMessageContaining("GET /v2/apps");
  }

  @Test
  void replyNotJson_failsAsReplyException() {
    marathon.on("GET", "/v2/info", json(200, "<html>proxy error</html>"));

    assertThatThrownBy(() -> client(config()).info()).isInstanceOf(MarathonReplyException.class)
        .hasMessageContaining("not JSON");
  }

  @Test
  void info_readsNameVersionAndLeader() {
    marathon.on("GET", "/v2/info", json(200,
        "{\"name\":\"marathon\",\"version\":\"1.5.1\",\"leader\":\"10.0.0.1:8080\",\"frameworkId\":\"x\",\"marathon_config\":{}}"));

    MarathonInfo info = client(config()).info();

    assertThat(info.name()).isEqualTo("marathon");
    assertThat(info.version()).isEqualTo("1.5.1");
    assertThat(info.leader()).contains("10.0.0.1:8080");
    assertThat(info.raw().get("frameworkId").asText()).isEqualTo("x");
  }

  @Test
  void ping_isTrueOnPong() {
    marathon.on("GET", "/ping", (exchange, request) -> {
      exchange.sendResponseHeaders(200, 4);
      exchange.getResponseBody().write("pong".getBytes(StandardCharsets.UTF_8));
      exchange.close();
    });

    assertThat(client(config()).ping()).isTrue();
    assertThat(marathon.requests().get(0).path()).isEqualTo("/ping");
  }

  // ---- writes ----------------------------------------------------------------------------------

  @Test
  void createApp_postsTheDefinitionUnchangedAndReadsThe201Reply() {
    ObjectNode definition = Fixtures.json("1-nginx.json");
    ObjectNode created = definition.deepCopy();
    created.put("id", "/nginx");
    created.putArray("deployments").addObject().put("id", "d-1");
    marathon.on("POST", "/v2/apps", json(201, created.toString()));

    MarathonApp app = client(config()).createApp(definition);

    FakeMarathon.Recorded r = marathon.requests().get(0);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(MarathonJson.parseObject("body", r.body())).isEqualTo(Fixtures.json("1-nginx.json"));
    assertThat(app.id()).isEqualTo("/nginx");
    assertThat(app.deployments()).containsExactly(MarathonDeploymentRef.of("d-1"));
    assertThat(count("POST", "201")).isEqualTo(1.0);
  }

  @Test
  void createApp422_throwsInvalidInputWithMarathonsMessageAndDetailsAndIsNotRetried() {
    marathon.on("POST", "/v2/apps", json(422, """
        {"message":"Object is not valid","details":[
          {"path":"/container/docker/portMappings(0)/containerPort","errors":["error.min.port"]},
          {"path":"/instances","errors":["must be greater than or equal to 0"]}]}"""));

    assertThatThrownBy(() -> client(config()).createApp(Fixtures.json("1-nginx.json")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> {
          assertThat(e.field()).isEqualTo("container.docker.portMappings(0).containerPort");
          assertThat(e.getMessage()).contains("422").contains("Object is not valid")
              .contains("error.min.port").contains("/instances: must be greater than or equal to 0");
        });
    assertThat(marathon.requests()).hasSize(1);
  }

  @Test
  void createApp500_isNotRetried() {
    marathon.on("POST", "/v2/apps", json(500, "{\"message\":\"oops\"}"), json(201, "{}"));

    assertThatThrownBy(() -> client(config()).createApp(Fixtures.json("1-nginx.json")))
        .isInstanceOf(UnavailableException.class);
    assertThat(marathon.requests()).hasSize(1);
  }

  @Test
  void createAppNeverAnswered_isNotRetriedAndSaysTheOutcomeIsUnknown() {
    marathon.on("POST", "/v2/apps", marathon.hang());

    assertThatThrownBy(() -> client(config().withRequestTimeout(Duration.ofMillis(300))).createApp(Fixtures.json("1-nginx.json")))
        .isInstanceOf(DeadlineExceededException.class).hasMessageContaining("unknown");
    assertThat(marathon.requests()).hasSize(1);
  }

  @Test
  void createAppWithoutId_isRejectedBeforeAnyRequest() {
    ObjectNode definition = Fixtures.json("1-nginx.json");
    definition.remove("id");

    assertThatThrownBy(() -> client(config()).createApp(definition))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("id"));
    assertThat(marathon.requests()).isEmpty();
  }

  @Test
  void updateApp_putsTheDefinitionAndReturnsTheDeployment() {
    marathon.on("PUT", "/v2/apps/nginx-blue", json(200, DEPLOYED));
    ObjectNode definition = Fixtures.json("1-nginx-marathon1.5.json");

    MarathonDeploymentRef ref = client(config()).updateApp("/nginx-blue", definition, false);

    assertThat(ref).isEqualTo(new MarathonDeploymentRef("5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43",
        Optional.of("2026-11-26T05:00:00.000Z")));
    FakeMarathon.Recorded r = marathon.requests().get(0);
    assertThat(r.query()).isNull();
    assertThat(MarathonJson.parseObject("body", r.body())).isEqualTo(definition);
  }

  @Test
  void updateAppForce_sendsForceTrue() {
    marathon.on("PUT", "/v2/apps/nginx-blue", json(200, DEPLOYED));

    client(config()).updateApp("nginx-blue", Fixtures.json("1-nginx.json"), true);

    assertThat(marathon.requests().get(0).query()).isEqualTo("force=true");
  }

  @Test
  void updateAppLocked_failsAtOnceAsConflict_andSucceedsWhenTheCallerRepeatsAfterTheLock() {
    marathon.on("PUT", "/v2/apps/web", json(409, LOCKED), json(409, LOCKED), json(200, DEPLOYED));
    HttpMarathonClient client = client(config());

    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> client.updateApp("web", Fixtures.json("1-nginx.json"), false))
          .isInstanceOf(ConflictException.class).hasMessageContaining("97c136bf-5a28-4821-9d94-480d9fbb01c8");
      clock.advance(Duration.ofSeconds(1));
    }
    client.updateApp("web", Fixtures.json("1-nginx.json"), false);

    assertThat(marathon.requests()).hasSize(3).extracting(FakeMarathon.Recorded::query).containsOnlyNulls();
    assertThat(count("PUT", "409")).isEqualTo(2.0);
  }

  @Test
  void updateApp500_isNotRetried() {
    marathon.on("PUT", "/v2/apps/web", json(500, "{}"), json(200, DEPLOYED));

    assertThatThrownBy(() -> client(config()).updateApp("web", Fixtures.json("1-nginx.json"), false))
        .isInstanceOf(UnavailableException.class);
    assertThat(marathon.requests()).hasSize(1);
  }

  @Test
  void scaleAppLockedPastMaxWait_failsForGoodNamingTheDeployment() {
    marathon.on("PUT", "/v2/apps/web", json(409, LOCKED));
    HttpMarathonClient client = client(config());

    assertThatThrownBy(() -> client.scaleApp("web", 3, false)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("0 of 5000 ms waited");
    clock.advance(Duration.ofSeconds(5));
    assertThatThrownBy(() -> client.scaleApp("web", 3, false))
        .isInstanceOf(PreconditionException.class)
        .hasMessageContaining("97c136bf-5a28-4821-9d94-480d9fbb01c8").hasMessageContaining("after 5000 ms");
    assertThat(marathon.requests()).hasSize(2).extracting(FakeMarathon.Recorded::query).containsOnlyNulls();
  }

  @Test
  void scaleAppLockedPastMaxWait_forcePolicy_repeatsWithForceTrue() {
    marathon.on("PUT", "/v2/apps/web", json(409, LOCKED), json(409, LOCKED), json(200, DEPLOYED));
    var config = config().withLockedAppPolicy(LockedAppPolicy.waitThenForce(Duration.ofMillis(300)));
    HttpMarathonClient client = client(config);

    assertThatThrownBy(() -> client.scaleApp("web", 3, false)).isInstanceOf(ConflictException.class);
    clock.advance(Duration.ofMillis(300));
    client.scaleApp("web", 3, false);

    assertThat(marathon.requests()).extracting(FakeMarathon.Recorded::query)
        .containsExactly(null, null, "force=true");
  }

  @Test
  void scaleApp_sendsTheAbsoluteCount_andA502IsNotRepeatedInsideTheCall() {
    marathon.on("PUT", "/v2/apps/nginx-green", json(502, "bad gateway"), json(200, DEPLOYED));
    HttpMarathonClient client = client(config());

    assertThatThrownBy(() -> client.scaleApp("/nginx-green", 4, false)).isInstanceOf(UnavailableException.class);
    MarathonDeploymentRef ref = client.scaleApp("/nginx-green", 4, false);

    assertThat(ref.id()).isEqualTo("5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43");
    assertThat(marathon.requests()).hasSize(2)
        .allSatisfy(r -> assertThat(r.body()).isEqualTo("{\"instances\":4}"));
    assertThat(marathon.requests().get(0).header("Content-Type")).isEqualTo("application/json");
  }

  @Test
  void scaleAppNegative_isRejectedBeforeAnyRequest() {
    assertThatThrownBy(() -> client(config()).scaleApp("web", -1, false))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("instances"));
    assertThat(marathon.requests()).isEmpty();
  }

  @Test
  void killTasks_postsIdsWithScaleTrueAndReturnsTheDeployment() {
    marathon.on("POST", "/v2/tasks/delete", json(200, DEPLOYED));

    Optional<MarathonDeploymentRef> ref = client(config()).killTasks(
        List.of("nginx-blue.3a58a46a-c937-11e5-9836-026ee08d9f6f", "nginx-blue.x"), true);

    assertThat(ref).map(MarathonDeploymentRef::id).contains("5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43");
    FakeMarathon.Recorded r = marathon.requests().get(0);
    assertThat(r.query()).isEqualTo("scale=true");
    assertThat(r.body()).isEqualTo("{\"ids\":[\"nginx-blue.3a58a46a-c937-11e5-9836-026ee08d9f6f\",\"nginx-blue.x\"]}");
  }

  @Test
  void killTasksWithoutScale_returnsNoDeployment() {
    marathon.on("POST", "/v2/tasks/delete", json(200, "{\"tasks\":[]}"));

    assertThat(client(config()).killTasks(List.of("a.1"), false)).isEmpty();
    assertThat(marathon.requests().get(0).query()).isEqualTo("scale=false");
  }

  @Test
  void killTasks500_isNotRetried() {
    marathon.on("POST", "/v2/tasks/delete", json(500, "{}"), json(200, DEPLOYED));

    assertThatThrownBy(() -> client(config()).killTasks(List.of("a.1"), true)).isInstanceOf(UnavailableException.class);
    assertThat(marathon.requests()).hasSize(1);
  }

  @Test
  void killTasksLocked_waitsThenForcesKeepingScale() {
    marathon.on("POST", "/v2/tasks/delete", json(409, LOCKED), json(200, DEPLOYED));
    var config = config().withLockedAppPolicy(LockedAppPolicy.waitThenForce(Duration.ZERO));

    client(config).killTasks(List.of("a.1"), true);

    assertThat(marathon.requests()).extracting(FakeMarathon.Recorded::query)
        .containsExactly("scale=true", "scale=true&force=true");
  }

  @Test
  void killTasksEmpty_isRejectedBeforeAnyRequest() {
    assertThatThrownBy(() -> client(config()).killTasks(List.of(), true)).isInstanceOf(InvalidInputException.class);
    assertThat(marathon.requests()).isEmpty();
  }

  @Test
  void deleteApp_sendsDeleteAndReturnsTheDeployment() {
    marathon.on("DELETE", "/v2/apps/nginx-blue", json(200, DEPLOYED));

    MarathonDeploymentRef ref = client(config()).deleteApp("/nginx-blue");

    assertThat(ref.id()).isEqualTo("5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43");
    assertThat(marathon.requests().get(0).method()).isEqualTo("DELETE");
    assertThat(marathon.requests().get(0).query()).isNull();
  }

  @Test
  void deleteAppUnknown_throwsNotFound() {
    marathon.on("DELETE", "/v2/apps/gone", json(404, "{\"message\":\"App '/gone' does not exist\"}"));

    assertThatThrownBy(() -> client(config()).deleteApp("gone")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void unauthorizedWithBasicAuth_isAPreconditionFailureAndNotRepeated() {
    marathon.on("GET", "/v2/apps", json(401, "{\"message\":\"invalid username or password\"}"));
    var auth = BasicAuth.parse("--auth-credentials", "zdd:s3cret-pw");

    assertThatThrownBy(() -> client(config(), auth, meters).listApps())
        .isInstanceOf(PreconditionException.class).hasMessageContaining("401")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret-pw"));
    assertThat(marathon.requests()).hasSize(1);
    assertThat(marathon.requests().get(0).header("Authorization"))
        .isEqualTo("Basic " + Base64.getEncoder().encodeToString("zdd:s3cret-pw".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void otherStatus_isATypedErrorWithTheStatus() {
    marathon.on("GET", "/v2/apps", json(418, "{\"message\":\"teapot\"}"));

    assertThatThrownBy(() -> client(config()).listApps())
        .isInstanceOf(PreconditionException.class).hasMessageContaining("418").hasMessageContaining("teapot");
  }

  @Test
  void requestCounter_isExportedAsZddMarathonRequestsTotal() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    marathon.on("GET", "/v2/apps/web", json(500, "{}"), json(200, Fixtures.singleAppReply("zdd_app_blue.json")));

    HttpMarathonClient client = client(config(), MarathonAuth.NONE, prometheus);
    assertThatThrownBy(() -> client.getApp("web")).isInstanceOf(UnavailableException.class);
    client.getApp("web");

    assertThat(prometheus.scrape())
        .contains("zdd_marathon_requests_total{code=\"500\",method=\"GET\"} 1.0")
        .contains("zdd_marathon_requests_total{code=\"200\",method=\"GET\"} 1.0");
  }
}
