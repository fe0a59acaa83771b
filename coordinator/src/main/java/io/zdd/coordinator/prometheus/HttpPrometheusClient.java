package io.zdd.coordinator.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.common.concurrent.Backoff;
import io.zdd.common.config.CredentialsFile;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.UnavailableException;
import io.zdd.coordinator.engine.port.MetricQueryPort;
import io.zdd.coordinator.http.BoundedBody;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instant queries against Prometheus's HTTP API ({@code GET /api/v1/query}). Every query has one
 * overall deadline; within it, failures that may pass (no connection, 5xx, 429) are retried with
 * backoff, while a query Prometheus refuses (400, 422: bad PromQL) is not. Replies are read up to
 * {@link #MAX_REPLY_BYTES}. A bearer token, when given, is read from its file once and never logged.
 */
public final class HttpPrometheusClient implements MetricQueryPort {
  private static final Logger log = LoggerFactory.getLogger(HttpPrometheusClient.class);
  public static final int MAX_REPLY_BYTES = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final Duration deadline;
  private final Optional<String> bearer;
  private final HttpClient http;

  /** @param base Prometheus's base URL, e.g. {@code http://prometheus:9090} */
  public HttpPrometheusClient(URI base, Duration deadline, Optional<Path> bearerTokenFile) {
    this.base = base;
    this.deadline = deadline;
    this.bearer = bearerTokenFile.map(f -> CredentialsFile.firstLine("--prometheus-bearer-token-file", f));
    this.http = HttpClient.newBuilder().connectTimeout(deadline).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @Override
  public List<Double> query(String query) {
    long end = System.nanoTime() + deadline.toNanos();
    Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, 0.2, Math::random);
    String why;
    while (true) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        why = "no answer within " + deadline.toMillis() + " ms";
        break;
      }
      try {
        HttpRequest.Builder req = HttpRequest.newBuilder(base.resolve("/api/v1/query?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8))).timeout(Duration.ofNanos(left)).GET();
        bearer.ifPresent(t -> req.header("Authorization", "Bearer " + t));
        HttpResponse<String> r = http.send(req.build(), BoundedBody.handler(MAX_REPLY_BYTES, "Prometheus replies"));
        if (r.statusCode() == 400 || r.statusCode() == 422) {
          throw new InvalidInputException("query", "Prometheus refused the query: " + error(r.body()));
        }
        if (r.statusCode() == 200) {
          return values(r.body());
        }
        why = "HTTP " + r.statusCode() + (r.body().isEmpty() ? "" : ": " + error(r.body()));
      } catch (IOException e) {
        why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnavailableException("interrupted while querying Prometheus");
      }
      long pause = Math.min(backoff.nextDelay().toNanos(), end - System.nanoTime());
      if (pause <= 0) {
        break;
      }
      try {
        Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnavailableException("interrupted while querying Prometheus");
      }
    }
    log.warn("Prometheus query failed ({}): {}", why, query);
    throw new UnavailableException("Prometheus at " + base.getHost() + ": " + why);
  }

  /** One value per series of a vector, the one value of a scalar; strings such as "NaN" and "+Inf" read as doubles. */
  static List<Double> values(String body) throws IOException {
    JsonNode root = JSON.readTree(body);
    if (!"success".equals(root.path("status").asText())) {
      throw new IOException("Prometheus answered status " + root.path("status").asText() + ": " + root.path("error").asText());
    }
    JsonNode data = root.path("data");
    List<Double> out = new ArrayList<>();
    switch (data.path("resultType").asText()) {
      case "vector" -> data.path("result").forEach(s -> out.add(number(s.path("value").path(1).asText())));
      case "scalar" -> out.add(number(data.path("result").path(1).asText()));
      default -> throw new IOException("a query for a gate must return a vector or a scalar, got "
          + data.path("resultType").asText());
    }
    return out;
  }

  private static double number(String text) {
    return switch (text) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  private static String error(String body) {
    try {
      String e = JSON.readTree(body).path("error").asText("");
      return e.isEmpty() ? abbreviate(body) : abbreviate(e);
    } catch (IOException e) {
      return abbreviate(body);
    }
  }

  private static String abbreviate(String s) {
    String clean = s.replaceAll("\\p{Cntrl}", " ").strip();
    return clean.length() <= 200 ? clean : clean.substring(0, 200) + "…";
  }
}
