package io.zdd.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private MetricsEndpoint endpoint;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void start() throws Exception {
    endpoint = new MetricsEndpoint(registry, new InetSocketAddress("127.0.0.1", 0))
        .route("/healthz", () -> "ok\n");
    endpoint.start();
  }

  @AfterEach
  void stop() {
    endpoint.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void scrape_returnsPrometheusTextWithRegisteredMeter() throws Exception {
    registry.counter("zdd_test_events", "kind", "apply").increment(3);
    registry.gauge("zdd_test_level", 0.25);

    HttpResponse<String> r = get("/metrics");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    assertThat(r.body())
        .contains("# TYPE zdd_test_events_total counter")
        .contains("zdd_test_events_total{kind=\"apply\"} 3.0")
        .contains("zdd_test_level 0.25");
  }

  @Test
  void scrape_seesIncrementsBetweenScrapes() throws Exception {
    var c = registry.counter("zdd_test_live");
    c.increment();
    assertThat(get("/metrics").body()).contains("zdd_test_live_total 1.0");
    c.increment();
    assertThat(get("/metrics").body()).contains("zdd_test_live_total 2.0");
  }

  @Test
  void extraRoute_andUnknownPath() throws Exception {
    assertThat(get("/healthz").body()).isEqualTo("ok\n");
    assertThat(get("/nope").statusCode()).isEqualTo(404);
  }

  @Test
  void close_isIdempotent_andReleasesThePort() throws Exception {
    int port = endpoint.port();
    endpoint.close();
    endpoint.close();
    try (var s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", port));
      assertThat(s.isBound()).isTrue();
    }
  }
}
