package io.zdd.coordinator.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.coordinator.admin.DeploymentQueries;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.service.EventLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Server-sent event streams of deployments for the dashboard: each replays a deployment's events
 * from {@link EventLog} (after the client's {@code Last-Event-ID}) and then follows them live,
 * through the same flow-controlled cursor as the admin API's watch. Bounded: at most
 * {@link #MAX_STREAMS} at once on a coordinator, events wait in the cursor's bounded queue while
 * the client's connection is not writable (a client too far behind is cut off), and a stream with
 * no event for {@link #IDLE} ends (the browser reconnects and resumes from its last id).
 * Heartbeat comments keep idle connections from being cut by proxies and find dead clients.
 */
final class EventStreams {
  static final int MAX_STREAMS = 32;
  static final Duration IDLE = Duration.ofMinutes(5);
  static final Duration HEARTBEAT = Duration.ofSeconds(15);

  /** Where a stream's frames go; the transport's side. */
  interface Sink {
    /** False while the client's connection cannot take more (its buffer is full). */
    boolean writable();

    void send(String frame);

    /** Ends the stream; {@link #closed} runs once after it, or after the client went away. */
    void close();

    /** Runs {@code r} whenever the connection becomes writable again. */
    void onWritable(Runnable r);

    /** Runs {@code r} once when the connection is gone. */
    void onClosed(Runnable r);
  }

  private final DeploymentQueries queries;
  private final DashboardView view;
  private final ScheduledExecutorService timer;
  private final Clock clock;
  private final AtomicInteger open = new AtomicInteger();

  EventStreams(DeploymentQueries queries, DashboardView view, ScheduledExecutorService timer, Clock clock) {
    this.queries = queries;
    this.view = view;
    this.timer = timer;
    this.clock = clock;
  }

  int open() {
    return open.get();
  }

  /**
   * Starts streaming deployment {@code id} into {@code sink}.
   *
   * @return false, having sent nothing, when {@link #MAX_STREAMS} streams are open already
   */
  boolean start(String id, long lastEventId, Sink sink) {
    if (open.incrementAndGet() > MAX_STREAMS) {
      open.decrementAndGet();
      return false;
    }
    AtomicBoolean ended = new AtomicBoolean();
    AtomicReference<EventLog.Watch> watch = new AtomicReference<>();
    AtomicReference<ScheduledFuture<?>> beat = new AtomicReference<>();
    AtomicReference<Instant> lastEvent = new AtomicReference<>(clock.instant());
    sink.onClosed(() -> {
      if (ended.compareAndSet(false, true)) {
        open.decrementAndGet();
        Optional.ofNullable(watch.get()).ifPresent(EventLog.Watch::stop);
        Optional.ofNullable(beat.get()).ifPresent(f -> f.cancel(false));
      }
    });
    sink.send("retry: 2000\n\n");
    if (queries.events(id).isEmpty()) {
      // Not driven here (a standby, or a deployment older than this process): the page polls
      // the record instead, and is told so rather than left waiting.
      sink.send(frame("unavailable", null, "{\"reason\":\"this coordinator has no live events for it\"}"));
      sink.close();
      return true;
    }
    EventLog.Watcher watcher = new EventLog.Watcher() {
      @Override
      public boolean accept(DeploymentEvent e) {
        if (ended.get()) {
          return false;
        }
        if (e.sequence() <= lastEventId) {
          return true;
        }
        lastEvent.set(clock.instant());
        ObjectNode data = DashboardView.event(e);
        data.set("deployment", view.summary(new DeploymentQueries.View(e.deployment(), Optional.of(e))));
        sink.send(frame("deployment", e.sequence(), data.toString()));
        if (e.kind() == EventKind.FINISHED) {
          sink.send(frame("end", null, "{}"));
          sink.close();
          return false;
        }
        return true;
      }

      @Override
      public boolean ready() {
        return ended.get() || sink.writable();
      }

      @Override
      public void overflowed() {
        sink.close();
      }
    };
    sink.onWritable(() -> Optional.ofNullable(watch.get()).ifPresent(EventLog.Watch::resume));
    beat.set(timer.scheduleAtFixedRate(() -> {
      if (lastEvent.get().plus(IDLE).isBefore(clock.instant())) {
        sink.close();
      } else if (sink.writable()) {
        sink.send(": keep-alive\n\n");
      }
    }, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS));
    watch.set(queries.eventLog().watch(id, watcher));
    if (ended.get()) {
      watch.get().stop();
    }
    return true;
  }

  /** One SSE frame; {@code data} is one line of JSON (no newlines, so one data field). */
  static String frame(String event, Long id, String data) {
    return (id == null ? "" : "id: " + id + "\n") + "event: " + event + "\ndata: " + data + "\n\n";
  }
}
