package io.zdd.deploy.demoapp;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Work accepted but not finished: each {@link #accept} stands for a transaction that completes
 * {@code delay} after the request that started it has been answered. Its count is the
 * {@code zdd_demo_pending_operations} gauge, the signal of the application-level drain gate.
 */
final class PendingOperations {
  private final ScheduledExecutorService executor;
  private final Duration delay;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private volatile boolean closed;

  PendingOperations(ScheduledExecutorService executor, Duration delay) {
    this.executor = executor;
    this.delay = delay;
  }

  /** Starts one operation; false once the app is shutting down. */
  boolean accept() {
    if (closed) {
      return false;
    }
    accepted.incrementAndGet();
    var unused = executor.schedule(completed::incrementAndGet, delay.toMillis(), TimeUnit.MILLISECONDS);
    return true;
  }

  long pending() {
    return accepted.get() - completed.get();
  }

  long completed() {
    return completed.get();
  }

  /** Refuses new work; the operations already accepted still complete. */
  void stopAccepting() {
    closed = true;
  }
}
