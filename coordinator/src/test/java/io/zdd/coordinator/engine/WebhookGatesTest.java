package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.zdd.common.error.PreconditionException;
import io.zdd.coordinator.engine.analysis.AnalysisFile;
import io.zdd.coordinator.engine.analysis.AnalysisPorts;
import io.zdd.coordinator.engine.port.MetricQueryPort;
import io.zdd.coordinator.webhook.HttpWebhookClient;
import io.zdd.coordinator.webhook.WebhookSignature;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhook gates through the real webhook client to a local HTTP receiver: a pre-rollout hook
 * answering non-2xx stops the deployment before anything changes; confirm-promotion holds the
 * switch to 100 % until it answers 2xx; every body the receiver gets carries a signature that
 * verifies with the coordinator's secret.
 */
class WebhookGatesTest {
  private static final String SECRET = "a-shared-secret";
  @TempDir Path dir;
  private HttpServer receiver;
  /** Status to answer per path; the next status for confirm comes from {@link #confirmAnswers}. */
  private final Map<String, Integer> status = new ConcurrentHashMap<>();
  private final List<Integer> confirmAnswers = new CopyOnWriteArrayList<>();
  private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private final List<Boolean> signed = new CopyOnWriteArrayList<>();
  private HttpWebhookClient client;

  @BeforeEach
  void start() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    receiver.setExecutor(Executors.newFixedThreadPool(2));
    receiver.createContext("/", ex -> {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = ex.getRequestURI().getPath();
      paths.add(path);
      bodies.add(new ObjectMapper().readTree(body));
      signed.add(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8),
          Long.parseLong(ex.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP_HEADER)), body,
          ex.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER)));
      int code = path.equals("/confirm") && !confirmAnswers.isEmpty() ? confirmAnswers.remove(0) : status.getOrDefault(path, 200);
      ex.sendResponseHeaders(code, -1);
      ex.close();
    });
    receiver.start();
    Path secret = dir.resolve("secret");
    Files.writeString(secret, SECRET + "\n");
    client = new HttpWebhookClient(Optional.of(secret), Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    client.close();
    receiver.stop(0);
  }

  private Harness harness() {
    String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
    Harness h = new Harness();
    h.analysis = new AnalysisPorts(AnalysisFile.parse("""
        {"templates": [{"name": "gated", "interval": "10s", "count": 1,
          "checks": [{"name": "green-5xx", "lb": {"metric": "5xx_ratio", "max": 0.01, "minRequests": 50}}],
          "webhooks": [{"name": "ready", "type": "pre-rollout", "url": "%1$s/ready"},
                       {"name": "qa", "type": "confirm-promotion", "url": "%1$s/confirm", "timeout": "2s"}]}]}
        """.formatted(base)), MetricQueryPort.none(), client);
    h.seedBlue(3);
    return h;
  }

  private static DeploymentOptions gated() {
    return Harness.options().trafficSteps(List.of(10, 50, 100)).analysis(Optional.of("gated")).build();
  }

  @Test
  void aNon2xxPreRollout_stopsTheDeploymentBeforeAnythingChanges() {
    status.put("/ready", 409);
    Harness h = harness();
    assertThatThrownBy(() -> h.start(Harness.appJson(3), gated())).isInstanceOf(PreconditionException.class)
        .hasMessageContaining("pre-rollout webhook ready answered 409");
    assertThat(h.store.load(Harness.GROUP)).isEmpty();
    assertThat(h.writes()).isEmpty();
    assertThat(h.fleet.calls()).noneMatch(c -> c.startsWith("apply"));
    assertThat(paths).containsExactly("/ready");
    assertThat(bodies.get(0).path("type").asText()).isEqualTo("pre-rollout");
    assertThat(bodies.get(0).path("apps").path("green").asText()).isEqualTo("/web-green");
    assertThat(signed).containsOnly(true);
  }

  @Test
  void confirmPromotion_holdsTheSwitchUntilTheReceiverAnswers2xx() throws Exception {
    confirmAnswers.addAll(List.of(403, 500));
    Harness h = harness();
    Deployment d = h.start(Harness.appJson(3), gated());

    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(paths).containsExactly("/ready", "/confirm", "/confirm", "/confirm");
    List<DeploymentEvent> held = h.events(EventKind.ANALYSIS).stream()
        .filter(e -> e.message().startsWith("confirm-promotion webhook qa answered")).toList();
    assertThat(held).extracting(DeploymentEvent::message).anyMatch(m -> m.contains("403")).anyMatch(m -> m.contains("500"));
    DeploymentEvent full = h.events(EventKind.TRAFFIC_SHIFTED).stream().filter(e -> e.message().contains("requested 100%"))
        .findFirst().orElseThrow();
    assertThat(full.at()).isAfter(held.get(held.size() - 1).at());
    assertThat(bodies.get(1).path("share").asInt()).isEqualTo(50);
    assertThat(signed).containsOnly(true);
  }
}
