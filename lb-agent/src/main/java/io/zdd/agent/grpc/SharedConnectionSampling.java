package io.zdd.agent.grpc;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.zdd.agent.core.ConnectionSampler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One sampling task per interval for the whole agent, fanned out to every WatchConnections stream
 * of that interval: N streams cost one reading of HAProxy (every group) per interval, not N. Each
 * stream picks its own groups out of the reading. The task starts with the first stream of its
 * interval and stops with the last.
 */
final class SharedConnectionSampling {
  /** One reading of every group; {@code number} grows by one per reading of a feed. */
  record Reading(long number, Instant at, ConnectionSampler.Counts counts) {}

  /** A stream's side of a feed; called on the feed's thread, one reading at a time. */
  interface Subscriber {
    void reading(Reading r);

    /** HAProxy could not be read this time (reloading, down for a moment); the feed keeps trying. */
    void failed(RuntimeException e);
  }

  private final ConnectionSampler sampler;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  @GuardedBy("this")
  private final Map<Duration, Feed> feeds = new HashMap<>();

  SharedConnectionSampling(ConnectionSampler sampler, ScheduledExecutorService scheduler, Clock clock) {
    this.sampler = sampler;
    this.scheduler = scheduler;
    this.clock = clock;
  }

  /**
   * Joins the feed of {@code interval}, starting it (first reading right away) if it is new; a
   * feed already running hands over its latest reading at once, so a new stream does not wait an
   * interval for its first sample. Returns what leaves the feed.
   */
  Runnable subscribe(Duration interval, Subscriber s) {
    Feed feed;
    synchronized (this) {
      feed = feeds.get(interval);
      if (feed == null) {
        feed = new Feed();
        feeds.put(interval, feed);
        feed.subscribers.add(s);
        feed.task = scheduler.scheduleWithFixedDelay(feed::sample, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
      } else {
        feed.subscribers.add(s);
      }
    }
    Reading last = feed.last;
    if (last != null) {
      s.reading(last);
    }
    Feed joined = feed;
    return () -> leave(interval, joined, s);
  }

  private synchronized void leave(Duration interval, Feed feed, Subscriber s) {
    if (feed.subscribers.remove(s) && feed.subscribers.isEmpty()) {
      feed.task.cancel(false);
      feeds.remove(interval, feed);
    }
  }

  /** Sampling tasks running now (one per interval in use). */
  synchronized int feeds() {
    return feeds.size();
  }

  private final class Feed {
    final Set<Subscriber> subscribers = new CopyOnWriteArraySet<>();
    volatile Reading last;
    /** Set under the outer monitor before the first run can read it. */
    ScheduledFuture<?> task;
    private long readings;

    void sample() {
      ConnectionSampler.Counts counts;
      try {
        counts = sampler.sample(Set.of());
      } catch (RuntimeException e) {
        subscribers.forEach(s -> s.failed(e));
        return;
      }
      Reading r = new Reading(++readings, clock.instant(), counts);
      last = r;
      subscribers.forEach(s -> s.reading(r));
    }
  }
}
