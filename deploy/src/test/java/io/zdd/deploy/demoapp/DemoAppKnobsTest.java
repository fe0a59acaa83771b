package io.zdd.deploy.demoapp;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.deploy.cluster.LoadGenerator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.awaitility.Awaitility;
import picocli.CommandLine;

/** The demo app's error and latency knobs (a bad version for canary analysis), and who the load generator blames. */
class DemoAppKnobsTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<DemoApp> apps = new ArrayList<>();

  private DemoApp start(String version, double errorRate, Duration latency) throws Exception {
    DemoApp app = new DemoApp();
    app.port = 0;
    app.host = "127.0.0.1";
    app.version = version;
    app.colour = "green";
    app.pendingMillis = 100;
    app.drainSeconds = 5;
    app.errorRate = errorRate;
    app.latency = latency;
    app.start();
    apps.add(app);
    return app;
  }

  @AfterEach
  void stop() {
    apps.forEach(DemoApp::stop);
  }

  private HttpResponse<String> get(DemoApp app, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anErrorRate_failsExactlyThatShare_withTheAppsIdentityInTheBody_andCountsItsAnswers() throws Exception {
    DemoApp app = start("v4", 0.2, Duration.ZERO);
    int failed = 0;
    for (int i = 0; i < 50; i++) {
      HttpResponse<String> r = get(app, "/");
      if (r.statusCode() == 500) {
        failed++;
        assertThat(r.body()).contains("\"version\":\"v4\"", "\"colour\":\"green\"", "\"error\":true");
      } else {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).doesNotContain("error");
      }
    }
    assertThat(failed).isEqualTo(10);
    assertThat(get(app, "/metrics").body())
        .contains("zdd_demo_http_responses_total{version=\"v4\",colour=\"green\",code=\"200\"} 40")
        .contains("zdd_demo_http_responses_total{version=\"v4\",colour=\"green\",code=\"500\"} 10");
  }

  @Test
  void theChoiceIsSpreadEvenly_andExactOverAnyRun() {
    assertThat(LongStream.rangeClosed(1, 1000).filter(n -> DemoApp.fails(n, 0.2)).count()).isEqualTo(200);
    assertThat(LongStream.rangeClosed(1, 1000).filter(n -> DemoApp.fails(n, 0)).count()).isZero();
    assertThat(LongStream.rangeClosed(1, 1000).filter(n -> DemoApp.fails(n, 1)).count()).isEqualTo(1000);
    // Never two failures in a row at 20 %.
    assertThat(LongStream.rangeClosed(1, 1000).filter(n -> DemoApp.fails(n, 0.2) && DemoApp.fails(n + 1, 0.2)).count()).isZero();
  }

  @Test
  void latency_delaysEveryAnswer() throws Exception {
    DemoApp app = start("v5", 0, Duration.ofMillis(300));
    long t0 = System.nanoTime();
    assertThat(get(app, "/").statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void anErrorRateOutsideZeroToOne_isRefusedAtStart() {
    StringWriter err = new StringWriter();
    int code = new CommandLine(new DemoApp()).setErr(new PrintWriter(err, true)).execute("--port", "0", "--error-rate", "1.5");
    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("--error-rate must be between 0 and 1");
  }

  @Test
  void theLoadGenerator_blamesEachFailureOnTheVersionThatAnsweredIt() throws Exception {
    DemoApp bad = start("v4", 0.2, Duration.ZERO);
    DemoApp good = start("v3", 0, Duration.ZERO);
    try (LoadGenerator load = new LoadGenerator(List.of(new LoadGenerator.Target("127.0.0.1", bad.port()),
        new LoadGenerator.Target("127.0.0.1", good.port())), 1, 200, "/")) {
      load.start();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.stats().requests() >= 200);
      LoadGenerator.Stats s = load.stop();
      assertThat(s.failedByVersion()).containsOnlyKeys("v4/green");
      assertThat(s.failedByVersion().get("v4/green")).isEqualTo(s.failed()).isPositive();
      long badAnswers = s.byVersion().getOrDefault("v4/green", 0L) + s.failed();
      // Exactly a fifth of what v4 answered, give or take the one request in flight at the stop.
      assertThat(s.failed()).isBetween(badAnswers / 5 - 1, badAnswers / 5 + 1);
      assertThat(s.byVersion()).containsKey("v3/green");
    }
  }
}
