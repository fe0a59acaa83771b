package io.zdd.deploy.demoapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The demo app in-process on a free port: endpoints, pending-operations gauge, drain on stop. */
class DemoAppTest {
  private static final Pattern PENDING = Pattern.compile("(?m)^zdd_demo_pending_operations (\\d+)$");
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private DemoApp app;

  @BeforeEach
  void start() throws Exception {
    app = new DemoApp();
    app.port = 0;
    app.host = "127.0.0.1";
    app.version = "v7";
    app.colour = "green";
    app.pendingMillis = 600;
    app.drainSeconds = 10;
    app.start();
  }

  @AfterEach
  void stop() {
    app.stop();
  }

  private HttpResponse<String> call(String method, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
        .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private long pendingGauge() throws Exception {
    Matcher m = PENDING.matcher(call("GET", "/metrics").body());
    assertThat(m.find()).as("gauge present").isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void rootReportsVersionAndColour() throws Exception {
    HttpResponse<String> reply = call("GET", "/");

    assertThat(reply.statusCode()).isEqualTo(200);
    assertThat(reply.body()).contains("\"version\":\"v7\"", "\"colour\":\"green\"", "\"port\":" + app.port());
  }

  @Test
  void pendingOperationsGaugeCountsWorkUntilItCompletes() throws Exception {
    assertThat(pendingGauge()).isZero();

    for (int i = 0; i < 3; i++) {
      assertThat(call("POST", "/work").statusCode()).isEqualTo(200);
    }

    assertThat(pendingGauge()).isEqualTo(3);
    assertThat(call("GET", "/metrics").body())
        .contains("# TYPE zdd_demo_pending_operations gauge", "zdd_demo_info{version=\"v7\",colour=\"green\"} 1");
    await().atMost(Duration.ofSeconds(5)).until(() -> pendingGauge() == 0);
  }

  @Test
  void metricsCanBeMadeSlow_andFastAgain() throws Exception {
    assertThat(call("GET", "/metrics/delay").statusCode()).isEqualTo(405);
    assertThat(call("POST", "/metrics/delay?ms=5000").statusCode()).isEqualTo(200);
    HttpRequest impatient = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/metrics"))
        .timeout(Duration.ofMillis(300)).build();
    assertThatThrownBy(() -> http.send(impatient, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(HttpTimeoutException.class);

    assertThat(call("POST", "/metrics/delay?ms=0").statusCode()).isEqualTo(200);
    assertThat(http.send(impatient, HttpResponse.BodyHandlers.ofString()).body()).contains("zdd_demo_pending_operations");
  }

  @Test
  void healthCanBeMadeToFailAndRecover() throws Exception {
    assertThat(call("GET", "/health").statusCode()).isEqualTo(200);

    assertThat(call("POST", "/health/fail").statusCode()).isEqualTo(200);
    assertThat(call("GET", "/health").statusCode()).isEqualTo(500);

    call("POST", "/health/ok");
    assertThat(call("GET", "/health").statusCode()).isEqualTo(200);
  }

  @Test
  void slowEndpointTakesTheTimeAsked() throws Exception {
    long start = System.nanoTime();
    HttpResponse<String> reply = call("GET", "/slow?ms=300");

    assertThat(reply.statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void streamSendsLinesUntilItsTimeIsUp() throws Exception {
    var connection = URI.create("http://127.0.0.1:" + app.port() + "/stream?seconds=1").toURL().openConnection();
    connection.setReadTimeout(5_000);
    long lines;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
      lines = in.lines().peek(l -> assertThat(l).startsWith("v7 green ")).count();
    }
    assertThat(lines).isBetween(3L, 7L); // one line per 200 ms for 1 s
  }

  @Test
  void stopRefusesNewConnectionsButFinishesPendingWork() throws Exception {
    call("POST", "/work");
    call("POST", "/work");
    int port = app.port();

    long start = System.nanoTime();
    app.stop();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(app.metrics()).contains("zdd_demo_pending_operations 0");
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(2)).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }
}
