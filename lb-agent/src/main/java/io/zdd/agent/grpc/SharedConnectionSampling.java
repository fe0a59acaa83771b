package io.zdd.agent.grpc;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.zdd.agent.core.ConnectionSampler;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerTraffic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one reading of HAProxy (every group), shared by every WatchConnections stream and
 * by the metrics endpoint: N streams cost one reading per pace, not N. The pace is the shortest
 * interval the open streams asked for while it matters, the idle interval otherwise
 * ({@link SamplingPace}): after a write command ({@link #wake}) and while a server out of service
 * still holds connections. Each stream takes a reading when at least its own interval passed
 * since the last one it took, and picks its groups out of it. Readings run while a stream is
 * open; the metrics endpoint reuses the newest one when it is fresh enough and reads HAProxy
 * itself only otherwise.
 */
public final class SharedConnectionSampling {
  private static final Logger log = LoggerFactory.getLogger(SharedConnectionSampling.class);

  /** One reading of every group; {@code number} grows by one per reading. */
  record Reading(long number, Instant at, ConnectionSampler.Counts counts) {}

  /** A stream's side of the sampling; called on the sampling thread, one reading at a time. */
  interface Subscriber {
    void reading(Reading r);

    /** HAProxy could not be read this time (reloading, down for a moment); the sampling keeps trying. */
    void failed(RuntimeException e);
  }

  /** One subscriber with its interval and the time of the last reading it took. */
  private static final class Watch {
    final Subscriber subscriber;
    final Duration interval;
    Instant lastTaken;

    Watch(Subscriber subscriber, Duration interval) {
      this.subscriber = subscriber;
      this.interval = interval;
    }

    boolean due(Instant at) {
      return lastTaken == null || !at.isBefore(lastTaken.plus(interval));
    }
  }

  private final ConnectionSampler sampler;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final SamplingPace pace;
  private final Supplier<Map<GroupName, BackendSet>> desired;
  /** Taken around every reading of HAProxy: the scheduled one and the metrics endpoint's never overlap. */
  private final Object readLock = new Object();
  @GuardedBy("readLock")
  private long readings;
  private volatile Reading last;

  @GuardedBy("this")
  private final Map<Subscriber, Watch> watches = new LinkedHashMap<>();
  @GuardedBy("this")
  private ScheduledFuture<?> next;
  @GuardedBy("this")
  private Instant nextAt;
  /** When the last reading was tried (it may have failed): the pace counts from there. */
  @GuardedBy("this")
  private Instant lastTriedAt;
  @GuardedBy("this")
  private Instant hotUntil = Instant.MIN;
  @GuardedBy("this")
  private boolean drainUnderWay;
  @GuardedBy("this")
  private boolean wasIdle;

  public SharedConnectionSampling(ConnectionSampler sampler, ScheduledExecutorService scheduler, Clock clock,
      SamplingPace pace, Supplier<Map<GroupName, BackendSet>> desired) {
    this.sampler = sampler;
    this.scheduler = scheduler;
    this.clock = clock;
    this.pace = pace;
    this.desired = desired;
  }

  /**
   * Joins the readings at {@code interval}, starting them (first reading right away) if this is
   * the first stream; with readings already running, the newest is handed over at once, so a new
   * stream does not wait for its first sample. Returns what leaves.
   */
  Runnable subscribe(Duration interval, Subscriber s) {
    Watch w = new Watch(s, interval);
    Reading newest;
    synchronized (this) {
      newest = last;
      if (!watches.isEmpty() && newest != null) {
        w.lastTaken = newest.at();
      } else {
        newest = null;
      }
      watches.put(s, w);
      reschedule();
    }
    if (newest != null) {
      s.reading(newest);
    }
    return () -> leave(s);
  }

  private synchronized void leave(Subscriber s) {
    if (watches.remove(s) != null && watches.isEmpty() && next != null) {
      next.cancel(false);
      next = null;
      nextAt = null;
    }
  }

  /**
   * A write command (ApplyBackends, SwapPort, ShutdownSessions, RemoveGroup) was just carried
   * out: read fast for the hot window, starting within one fast interval of the last reading (at
   * once when that is longer ago), so a server it set to drain is watched closely from now on.
   */
  public synchronized void wake() {
    Instant until = clock.instant().plus(pace.hotWindow());
    if (until.isAfter(hotUntil)) {
      hotUntil = until;
    }
    reschedule();
  }

  /**
   * The newest reading when it is at most {@code maxAge} old, else a reading taken now (kept as
   * the newest for the next caller): what the metrics endpoint shows.
   */
  /** HAProxy's traffic counters, read now (not shared: a reading is asked for rarely, by analysis). */
  public List<ServerTraffic> traffic(Set<GroupName> groups) {
    return sampler.traffic(groups);
  }

  public ConnectionSampler.Counts counts(Duration maxAge) {
    Reading r = last;
    if (r != null && !clock.instant().isAfter(r.at().plus(maxAge))) {
      return r.counts();
    }
    synchronized (readLock) {
      r = last;
      if (r != null && !clock.instant().isAfter(r.at().plus(maxAge))) {
        return r.counts();
      }
      return read().counts();
    }
  }

  /** Sampling tasks running now: 1 while a stream is open, else 0. */
  synchronized int feeds() {
    return watches.isEmpty() ? 0 : 1;
  }

  /** True when the next reading is due at the idle pace (for tests and logs). */
  synchronized boolean idle() {
    Duration fast = fastest();
    return fast != null && !pace.next(fast, clock.instant(), hotUntil, drainUnderWay).equals(fast);
  }

  @GuardedBy("this")
  private Duration fastest() {
    Duration min = null;
    for (Watch w : watches.values()) {
      if (min == null || w.interval.compareTo(min) < 0) {
        min = w.interval;
      }
    }
    return min;
  }

  /** Schedules the next reading at its due time, or earlier than already scheduled. */
  @GuardedBy("this")
  private void reschedule() {
    Duration fast = fastest();
    if (fast == null) {
      return;
    }
    Instant now = clock.instant();
    Duration delay = pace.next(fast, now, hotUntil, drainUnderWay);
    boolean idleNow = !delay.equals(fast);
    if (idleNow != wasIdle) {
      log.debug("connection sampling now every {} ms ({})", delay.toMillis(), idleNow ? "idle" : "fast");
      wasIdle = idleNow;
    }
    Instant due = lastTriedAt == null ? now : lastTriedAt.plus(delay);
    if (due.isBefore(now)) {
      due = now;
    }
    if (next != null) {
      if (!nextAt.isAfter(due)) {
        return;
      }
      next.cancel(false);
    }
    nextAt = due;
    next = scheduler.schedule(this::sampleAndDeliver, Duration.between(now, due).toNanos(), TimeUnit.NANOSECONDS);
  }

  private void sampleAndDeliver() {
    synchronized (this) {
      next = null;
      nextAt = null;
      if (watches.isEmpty()) {
        return;
      }
    }
    Reading r = null;
    RuntimeException failure = null;
    synchronized (readLock) {
      try {
        r = read();
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    List<Subscriber> toSend = new ArrayList<>();
    synchronized (this) {
      lastTriedAt = clock.instant();
      if (r != null) {
        drainUnderWay = SamplingPace.drainUnderWay(r.counts(), desired.get());
      }
      for (Watch w : watches.values()) {
        if (r == null || w.due(r.at())) {
          if (r != null) {
            w.lastTaken = r.at();
          }
          toSend.add(w.subscriber);
        }
      }
      reschedule();
    }
    for (Subscriber s : toSend) {
      if (r != null) {
        s.reading(r);
      } else {
        s.failed(failure);
      }
    }
  }

  @GuardedBy("readLock")
  private Reading read() {
    ConnectionSampler.Counts counts = sampler.sample(Set.of());
    Reading r = new Reading(++readings, clock.instant(), counts);
    last = r;
    return r;
  }
}
