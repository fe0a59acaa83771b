package io.zdd.coordinator.service;

import io.zdd.common.concurrent.Backoff;
import io.zdd.common.logging.LogContext;
import io.zdd.coordinator.engine.Deployment;
import io.zdd.coordinator.engine.Tick;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Deployment}'s ticks, one at a time, as tasks: a tick that asks to wait is
 * scheduled again after its delay (no thread sleeps), one that is held runs again only when
 * {@link #wake() woken}. {@link #wake()} (a control arrived, the deployment was resumed) runs the
 * next tick at once, or right after the one in progress; it never waits for it.
 */
final class DeploymentDriver {
  private static final Logger log = LoggerFactory.getLogger(DeploymentDriver.class);
  /** A run of immediate CONTINUEs this long means the state machine is looping without progress. */
  static final int MAX_CONSECUTIVE_STEPS = 10_000;

  private final Deployment deployment;
  private final Executor work;
  private final ScheduledExecutorService timer;
  private final Runnable onDone;
  /** Paces ticks after an unexpected failure (a ZooKeeper write refused, say); reset by a good tick. */
  @GuardedBy("this")
  private final Backoff failureBackoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.2, Math::random);
  @GuardedBy("this") private boolean running;
  @GuardedBy("this") private boolean wakeAgain;
  @GuardedBy("this") private boolean stopped;
  @GuardedBy("this") private ScheduledFuture<?> next;
  @GuardedBy("this") private int steps;

  /** @param onDone runs once, on the work executor, after the DONE tick (not after {@link #stop()}) */
  DeploymentDriver(Deployment deployment, Executor work, ScheduledExecutorService timer, Runnable onDone) {
    this.deployment = deployment;
    this.work = work;
    this.timer = timer;
    this.onDone = onDone;
  }

  /** Runs a tick as soon as possible: now when idle, right after the current tick otherwise. */
  void wake() {
    synchronized (this) {
      if (stopped) {
        return;
      }
      if (running) {
        wakeAgain = true;
        return;
      }
      if (next != null) {
        next.cancel(false);
        next = null;
      }
      running = true;
    }
    submit();
  }

  /** No tick starts after this; one in progress finishes (its remote calls have deadlines). */
  synchronized void stop() {
    stopped = true;
    if (next != null) {
      next.cancel(false);
      next = null;
    }
  }

  private void submit() {
    try {
      work.execute(this::runTick);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        running = false;
      }
    }
  }

  private void runTick() {
    Tick t;
    try (LogContext d = LogContext.deployment(deployment.id());
         LogContext g = LogContext.group(deployment.record().group().value())) {
      try {
        t = deployment.tick();
        synchronized (this) {
          failureBackoff.reset();
        }
      } catch (RuntimeException e) {
        Duration delay;
        synchronized (this) {
          delay = failureBackoff.nextDelay();
        }
        log.warn("tick failed ({}); trying again in {} ms", e.toString(), delay.toMillis());
        t = new Tick(Tick.Kind.WAIT, delay, "tick failed: " + e.getMessage());
      }
      after(t);
    }
  }

  private void after(Tick t) {
    boolean again;
    synchronized (this) {
      running = false;
      if (stopped) {
        return;
      }
      if (t.kind() == Tick.Kind.DONE) {
        stopped = true;
      } else if (t.kind() == Tick.Kind.CONTINUE && ++steps > MAX_CONSECUTIVE_STEPS) {
        log.error("made {} steps without waiting in phase {}; pausing the driver for 10 s",
            steps, deployment.record().phase());
        steps = 0;
        t = new Tick(Tick.Kind.WAIT, Duration.ofSeconds(10), "looping");
      } else if (t.kind() != Tick.Kind.CONTINUE) {
        steps = 0;
      }
      again = t.kind() == Tick.Kind.CONTINUE || (wakeAgain && t.kind() != Tick.Kind.DONE);
      wakeAgain = false;
      if (again) {
        running = true;
      } else if (t.kind() == Tick.Kind.WAIT) {
        try {
          next = timer.schedule(this::wake, Math.max(1, t.delay().toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          stopped = true;
        }
      } else if (t.kind() == Tick.Kind.HELD) {
        log.info("held: {}", t.reason());
      }
    }
    if (t.kind() == Tick.Kind.DONE) {
      log.info("finished: {} ({})", deployment.record().outcome(), deployment.record().message());
      onDone.run();
    } else if (again) {
      submit();
    }
  }
}
