package io.zdd.coordinator.engine.probe;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
  /** A task's metrics page is a few KiB; more is not worth reading while a drain waits on the answer. */
  static final int MAX_BODY = 64 << 10;
  /** Closes streams whose body outlives the scrape's deadline. */
  private static final ScheduledExecutorService CUTTER = Executors.newSingleThreadScheduledExecutor(
      new io.zdd.common.concurrent.NamedThreadFactory("probe-deadline"));

  private final HttpClient client;
  private final Duration timeout;

  public HttpPendingOperationsProbe(Duration timeout) {
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      log.debug("closing a slow metrics body: {}", e.toString());
    }
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
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      HttpResponse<InputStream> resp = client.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      byte[] body;
      try (InputStream in = resp.body()) {
        if (resp.statusCode() != 200) {
          log.debug("{} answered {}", uri, resp.statusCode());
          return OptionalDouble.empty();
        }
        // The whole scrape has one deadline: a body that trickles is cut by closing the stream,
        // and no more than MAX_BODY bytes are ever read.
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        ScheduledFuture<?> cut = CUTTER.schedule(() -> closeQuietly(in), left, TimeUnit.MILLISECONDS);
        try {
          body = in.readNBytes(MAX_BODY + 1);
        } finally {
          cut.cancel(false);
        }
      }
      if (body.length > MAX_BODY || System.nanoTime() > deadline) {
        log.debug("{}: body larger than {} bytes or slower than {}", uri, MAX_BODY, timeout);
        return OptionalDouble.empty();
      }
      OptionalDouble v = PrometheusText.value(new String(body, StandardCharsets.UTF_8), metricName);
      if (v.isEmpty()) {
        log.debug("{} has no metric {}", uri, metricName);
      }
      return v;
    } catch (IOException | ExecutionException | TimeoutException e) {
      log.debug("scraping {} failed: {}", uri, e.toString());
      return OptionalDouble.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalDouble.empty();
    }
  }
}
