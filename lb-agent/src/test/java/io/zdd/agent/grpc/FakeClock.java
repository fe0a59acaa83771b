package io.zdd.agent.grpc;

import io.zdd.common.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A clock and a scheduler that move only when the test says so (after grpc-java's FakeClock):
 * {@link #forward} advances time and runs, on the calling thread, every task that became due.
 */
final class FakeClock {
  private long nowNanos;
  private long seq;
  private final PriorityQueue<Task> queue =
      new PriorityQueue<>(Comparator.comparingLong((Task t) -> t.due).thenComparingLong(t -> t.seq));
  private final Instant origin = Instant.parse("2026-11-26T05:00:00Z");

  /** Kept at {@code origin + nowNanos}: moved only by {@link #moveTo}. */
  final MutableClock clock = new MutableClock(origin);

  final ScheduledExecutorService scheduler = new Scheduler();

  /** Advances time by {@code d}, running due tasks in time order. */
  void forward(Duration d) {
    long target;
    synchronized (this) {
      target = nowNanos + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.due > target) {
          moveTo(target);
          return;
        }
        queue.poll();
        moveTo(next.due);
      }
      next.runOnce();
    }
  }

  /** Caller holds this. Time never goes back. */
  private void moveTo(long nanos) {
    if (nanos > nowNanos) {
      clock.advance(Duration.ofNanos(nanos - nowNanos));
      nowNanos = nanos;
    }
  }

  synchronized int pendingTasks() {
    return (int) queue.stream().filter(t -> !t.isCancelled()).count();
  }

  private final class Task extends FutureTask<Object> implements ScheduledFuture<Object> {
    long due;
    final long seq;
    final long periodNanos; // 0: one shot; >0: fixed delay

    Task(Callable<?> c, long due, long periodNanos) {
      super(c::call);
      this.due = due;
      this.periodNanos = periodNanos;
      synchronized (FakeClock.this) {
        this.seq = FakeClock.this.seq++;
      }
    }

    void runOnce() {
      if (isCancelled()) {
        return;
      }
      if (periodNanos == 0) {
        run();
        return;
      }
      if (runAndReset()) {
        synchronized (FakeClock.this) {
          due = nowNanos + periodNanos;
          queue.add(this);
        }
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      synchronized (FakeClock.this) {
        return unit.convert(due - nowNanos, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }
  }

  private final class Scheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private Task add(Callable<?> c, long delay, TimeUnit unit, long period) {
      Task t;
      synchronized (FakeClock.this) {
        t = new Task(c, nowNanos + unit.toNanos(delay), period);
        queue.add(t);
      }
      return t;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return add(() -> {
        command.run();
        return null;
      }, delay, unit, 0);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      return (ScheduledFuture<V>) add(callable::call, delay, unit, 0);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      return scheduleWithFixedDelay(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      return add(() -> {
        command.run();
        return null;
      }, initialDelay, unit, unit.toNanos(delay));
    }

    @Override
    public void execute(Runnable command) {
      var unused = schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return new ArrayList<>();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
