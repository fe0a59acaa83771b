package io.zdd.coordinator.webhook;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.config.CredentialsFile;
import io.zdd.coordinator.engine.port.WebhookPort;
import io.zdd.coordinator.http.BoundedBody;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts JSON to operators' webhooks. A gate call waits for the answer, at most its timeout, and
 * never throws; redirects are not followed; answers are read up to {@link #MAX_REPLY_BYTES}. With
 * a secret every body is signed ({@link WebhookSignature}). Notifications go through a bounded
 * queue drained by one thread, each with {@link #NOTIFY_TIMEOUT}; when the queue is full the
 * oldest is dropped, logged and counted ({@link #dropped()}).
 */
public final class HttpWebhookClient implements WebhookPort, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpWebhookClient.class);
  public static final int MAX_REPLY_BYTES = 64 * 1024;
  public static final Duration NOTIFY_TIMEOUT = Duration.ofSeconds(5);
  public static final int QUEUE = 256;

  private record Notification(URI url, String body) {}

  private final Optional<byte[]> secret;
  private final Clock clock;
  private final int queueSize;
  private final HttpClient http;
  private final ExecutorService sender = Executors.newSingleThreadExecutor(new NamedThreadFactory("webhook-notify"));
  @GuardedBy("this") private final ArrayDeque<Notification> queue = new ArrayDeque<>();
  @GuardedBy("this") private boolean draining;
  private final AtomicLong dropped = new AtomicLong();

  /** @param secretFile file whose first line is the signing secret (never logged); empty: unsigned */
  public HttpWebhookClient(Optional<Path> secretFile, Clock clock) {
    this(secretFile.map(f -> CredentialsFile.firstLine("--webhook-secret-file", f).getBytes(StandardCharsets.UTF_8)), clock,
        QUEUE);
  }

  HttpWebhookClient(Optional<byte[]> secret, Clock clock, int queueSize) {
    this.secret = secret;
    this.clock = clock;
    this.queueSize = queueSize;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  @Override
  public WebhookResult call(URI url, String jsonBody, Duration timeout) {
    long t0 = System.nanoTime();
    try {
      HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(timeout)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
      secret.ifPresent(s -> {
        long ts = clock.instant().getEpochSecond();
        req.header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(ts));
        req.header(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(s, ts, jsonBody));
      });
      HttpResponse<String> r = http.sendAsync(req.build(), BoundedBody.handler(MAX_REPLY_BYTES, "webhook replies"))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      boolean ok = r.statusCode() >= 200 && r.statusCode() < 300;
      return new WebhookResult(r.statusCode(), ok ? "" : abbreviate(r.body()), Duration.ofNanos(System.nanoTime() - t0));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new WebhookResult(0, "interrupted", Duration.ofNanos(System.nanoTime() - t0));
    } catch (TimeoutException e) {
      return new WebhookResult(0, "no answer within " + timeout.toMillis() + " ms", Duration.ofNanos(System.nanoTime() - t0));
    } catch (ExecutionException | RuntimeException e) {
      Throwable c = e instanceof ExecutionException ? e.getCause() : e;
      if (c instanceof HttpTimeoutException) {
        // The request's own timeout and the wait for it end together; either says the same.
        return new WebhookResult(0, "no answer within " + timeout.toMillis() + " ms", Duration.ofNanos(System.nanoTime() - t0));
      }
      String why = c instanceof IOException ? c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage())
          : c.toString();
      return new WebhookResult(0, abbreviate(why), Duration.ofNanos(System.nanoTime() - t0));
    }
  }

  @Override
  public void notify(URI url, String jsonBody) {
    boolean start;
    synchronized (this) {
      if (queue.size() >= queueSize) {
        Notification old = queue.removeFirst();
        long n = dropped.incrementAndGet();
        log.warn("notification queue full ({}): dropped the oldest, for {} ({} dropped so far)", queueSize, old.url().getHost(), n);
      }
      queue.addLast(new Notification(url, jsonBody));
      start = !draining;
      draining = true;
    }
    if (start) {
      try {
        sender.execute(this::drain);
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          draining = false;
        }
      }
    }
  }

  private void drain() {
    while (true) {
      Notification n;
      synchronized (this) {
        n = queue.pollFirst();
        if (n == null) {
          draining = false;
          return;
        }
      }
      WebhookResult r = call(n.url(), n.body(), NOTIFY_TIMEOUT);
      if (!r.passed()) {
        log.warn("notification to {} not delivered: {}", n.url().getHost(), r.status() == 0 ? r.error() : "HTTP " + r.status());
      }
    }
  }

  /** Notifications dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Stops sending: queued notifications get at most a few seconds, then are dropped. */
  @Override
  public void close() {
    sender.shutdown();
    try {
      if (!sender.awaitTermination(NOTIFY_TIMEOUT.toSeconds() + 1, TimeUnit.SECONDS)) {
        sender.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sender.shutdownNow();
    }
  }

  private static String abbreviate(String s) {
    String clean = s == null ? "" : s.replaceAll("\\p{Cntrl}", " ").strip();
    return clean.length() <= 200 ? clean : clean.substring(0, 200) + "…";
  }
}
