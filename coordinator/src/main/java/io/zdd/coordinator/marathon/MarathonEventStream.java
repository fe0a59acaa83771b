package io.zdd.coordinator.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.concurrent.Backoff;
import io.zdd.coordinator.engine.port.Sleeper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows Marathon's server-sent event stream ({@code GET /v2/events?plan-format=light&event_type=…})
 * on one thread and hands each event to a {@link MarathonEventListener}.
 *
 * <p>After an error, a non-200 answer or the end of the stream it reconnects after a backoff. The
 * backoff is reset only when an event arrives, so a Marathon that accepts and then drops the
 * connection at once is retried ever more slowly instead of in a tight loop. A 401 makes the auth
 * log in again before the next attempt. {@link #close()} stops the thread and drops the connection.
 * The connect and the wait for the reply's headers have deadlines; the stream itself has none,
 * since it is quiet whenever the cluster is.
 */
public final class MarathonEventStream implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MarathonEventStream.class);

  private final MarathonClientConfig config;
  private final HttpClient http;
  private final MarathonAuth auth;
  private final List<String> eventTypes;
  private final MarathonEventListener listener;
  private final Backoff backoff;
  private final Sleeper sleeper;
  private final Thread thread;

  private volatile boolean closed;
  private volatile InputStream current;

  /**
   * @param eventTypes Marathon event types to subscribe to; empty means all
   * @param threads makes the one thread that reads the stream and calls the listener
   */
  public MarathonEventStream(MarathonClientConfig config, HttpClient http, MarathonAuth auth,
      List<String> eventTypes, MarathonEventListener listener, Backoff backoff, Sleeper sleeper,
      ThreadFactory threads) {
    this.config = Objects.requireNonNull(config, "config");
    this.http = Objects.requireNonNull(http, "http");
    this.auth = Objects.requireNonNull(auth, "auth");
    this.eventTypes = List.copyOf(eventTypes);
    this.listener = Objects.requireNonNull(listener, "listener");
    this.backoff = Objects.requireNonNull(backoff, "backoff");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.thread = threads.newThread(this::run);
  }

  /** Starts following the stream. */
  public void start() {
    thread.start();
  }

  /** The URL asked for: light deployment plans, and only the wanted event types. */
  URI uri() {
    String b = config.baseUri().toString();
    StringBuilder url = new StringBuilder(b.endsWith("/") ? b.substring(0, b.length() - 1) : b)
        .append("/v2/events?plan-format=light");
    for (String type : eventTypes) {
      url.append("&event_type=").append(URLEncoder.encode(type, StandardCharsets.UTF_8));
    }
    return URI.create(url.toString());
  }

  private void run() {
    while (!closed) {
      String reason;
      try {
        reason = followOnce();
      } catch (IOException | RuntimeException e) {
        reason = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + HttpMarathonClient.excerpt(e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        reason = "interrupted";
      }
      if (closed) {
        break;
      }
      notifyDisconnected(reason);
      Duration delay = backoff.nextDelay();
      log.warn("Marathon event stream: {}; reconnecting in {} ms", reason, delay.toMillis());
      try {
        sleeper.sleep(delay);
      } catch (InterruptedException e) {
        if (closed) {
          break;
        }
        Thread.currentThread().interrupt();
        break;
      }
    }
    log.debug("Marathon event stream stopped");
  }

  /** One connection, read until it ends; returns why it ended. */
  private String followOnce() throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri())
        .timeout(config.requestTimeout())
        .header("Accept", "text/event-stream")
        .header("User-Agent", "zdd")
        .GET();
    auth.authorization().ifPresent(value -> request.header("Authorization", value));
    HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      current = body;
      if (closed) {
        return "closed";
      }
      if (response.statusCode() == 401) {
        auth.refreshAfterUnauthorized();
        return "Marathon answered 401; credentials renewed";
      }
      if (response.statusCode() != 200) {
        String text = new String(body.readNBytes(300), StandardCharsets.UTF_8);
        return "Marathon answered " + response.statusCode() + ": " + HttpMarathonClient.excerpt(text);
      }
      log.info("Marathon event stream connected: {}", uri());
      try {
        listener.onConnected();
      } catch (RuntimeException e) {
        log.error("Marathon event listener failed in onConnected", e);
      }
      readEvents(body);
      return "the stream ended";
    } finally {
      current = null;
    }
  }

  /** Server-sent events, bounded ({@link SseReader}); each event is handed to the listener. */
  private void readEvents(InputStream body) throws IOException {
    SseReader events = new SseReader(new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)),
        config.maxSseLine(), config.maxReplyBytes());
    boolean delivered = false;
    Optional<SseReader.Event> e;
    while (!closed && (e = events.next()).isPresent()) {
      if (!delivered) {
        // The connection proved good: later failures start from a short delay again.
        backoff.reset();
        delivered = true;
      }
      dispatch(e.get().type(), e.get().data());
    }
  }

  private void dispatch(String sseType, String data) {
    JsonNode json;
    try {
      json = MarathonJson.MAPPER.readTree(data);
    } catch (IOException e) {
      log.warn("Marathon event stream: skipping an event whose data is not JSON: {}", HttpMarathonClient.excerpt(data));
      return;
    }
    if (json == null || !json.isObject()) {
      log.warn("Marathon event stream: skipping an event whose data is not a JSON object");
      return;
    }
    String type = sseType != null && !sseType.isEmpty() ? sseType : json.path("eventType").asText("");
    if (type.isEmpty()) {
      log.warn("Marathon event stream: skipping an event without a type");
      return;
    }
    try {
      listener.onEvent(new MarathonEvent(type, (ObjectNode) json));
    } catch (RuntimeException e) {
      // One bad event must not stop the stream.
      log.error("Marathon event listener failed on a {} event", type, e);
    }
  }

  private void notifyDisconnected(String reason) {
    try {
      listener.onDisconnected(reason);
    } catch (RuntimeException e) {
      log.error("Marathon event listener failed in onDisconnected", e);
    }
  }

  /** Stops the thread, dropping the connection; waits up to 5 s for it to end. */
  @Override
  public void close() {
    closed = true;
    InputStream stream = current;
    if (stream != null) {
      try {
        stream.close();
      } catch (IOException e) {
        log.debug("closing the Marathon event stream: {}", e.toString());
      }
    }
    if (Thread.currentThread() == thread) {
      return; // closed from inside the listener: the loop sees the flag and ends
    }
    thread.interrupt();
    // Closing often runs on a thread that is itself being interrupted (a leader term ends because
    // leadership was lost): keep waiting the whole bound anyway, and pass the interrupt on after.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    boolean interrupted = false;
    while (thread.isAlive() && System.nanoTime() < deadline) {
      try {
        thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.warn("Marathon event stream thread did not stop within 5 s");
    }
  }

  /** Whether the reading thread is still running. */
  public boolean running() {
    return thread.isAlive();
  }
}
