package io.zdd.agent.haproxy;

import io.zdd.common.concurrent.NamedThreadFactory;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings {@code zdd.cfg} in step after server-only changes, which HAProxy already has from the
 * runtime API: one background thread, and at most one write queued at a time, so a burst of
 * changes ends in one write of the latest render (the write renders when it runs, not when it was
 * asked for). A failed write is tried again after {@link #RETRY}. {@link #close} waits, bounded,
 * for the last write.
 */
final class ConfigWriteBehind implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWriteBehind.class);
  static final Duration RETRY = Duration.ofSeconds(1);

  private final Runnable write;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("zdd-cfg-writer"));
  private final AtomicBoolean queued = new AtomicBoolean();

  /** @param write renders the latest sets and writes them when the file is behind; throws when it cannot */
  ConfigWriteBehind(Runnable write) {
    this.write = write;
  }

  /** Asks for a write; returns at once. Coalesces with a write queued and not yet started. */
  void schedule() {
    schedule(Duration.ZERO);
  }

  private void schedule(Duration delay) {
    if (!queued.compareAndSet(false, true)) {
      return;
    }
    try {
      var unused = thread.schedule(this::run, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      queued.set(false);
      log.warn("zdd.cfg write not scheduled: the writer is closed");
    }
  }

  private void run() {
    // Cleared before rendering: a change recorded from now on queues the next write.
    queued.set(false);
    try {
      write.run();
    } catch (RuntimeException e) {
      log.warn("background write of zdd.cfg failed ({}); trying again in {}", e.toString(), RETRY);
      schedule(RETRY);
    }
  }

  /**
   * Writes now (after whatever is queued ahead, on the writer's thread) and waits at most
   * {@code wait}; true when the file is in step.
   */
  boolean flush(Duration wait) {
    try {
      Future<?> done = thread.submit(write);
      done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
      log.warn("zdd.cfg not brought in step within {}: {}", wait, e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Flushes (waiting at most {@code wait}) and stops the thread. */
  void close(Duration wait) {
    flush(wait);
    thread.shutdownNow();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }
}
