package io.zdd.coordinator.engine.probe;

import io.zdd.coordinator.engine.port.PendingOperationsProbe;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scrapes a task's Prometheus endpoint over HTTP with a timeout and reads one gauge. Any failure
 * (refused, timeout, non-200, metric missing) answers empty, which the engine treats as "not 0".
 */
public final class HttpPendingOperationsProbe implements PendingOperationsProbe {
  private static final Logger log = LoggerFactory.getLogger(HttpPendingOperationsProbe.class);
  private static final int MAX_BODY = 4 << 20;

  private final HttpClient client;
  private final Duration timeout;

  public HttpPendingOperationsProbe(Duration timeout) {
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @Override
  public OptionalDouble read(String metricName, String host, int port, String path) {
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    URI uri;
    try {
      uri = URI.create("http://" + h + ":" + port + (path.startsWith("/") ? path : "/" + path));
    } catch (IllegalArgumentException e) {
      log.warn("bad metrics address {}:{}{}: {}", host, port, path, e.getMessage());
      return OptionalDouble.empty();
    }
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "text/plain").GET().build();
    try {
      HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() != 200) {
        log.debug("{} answered {}", uri, resp.statusCode());
        return OptionalDouble.empty();
      }
      String body = resp.body();
      if (body.length() > MAX_BODY) {
        return OptionalDouble.empty();
      }
      OptionalDouble v = PrometheusText.value(body, metricName);
      if (v.isEmpty()) {
        log.debug("{} has no metric {}", uri, metricName);
      }
      return v;
    } catch (IOException e) {
      log.debug("scraping {} failed: {}", uri, e.toString());
      return OptionalDouble.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalDouble.empty();
    }
  }
}
