package io.zdd.common.concurrent;

import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.UnavailableException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A lock whose waiting is bounded, by its own wait and by the caller's {@link CallDeadline}: a
 * caller stuck behind a slow change is told so (UNAVAILABLE, or DEADLINE_EXCEEDED when its own
 * deadline ran out first), never parked.
 */
public final class BoundedLock {
  private final ReentrantLock lock = new ReentrantLock();
  private final String what;
  private final Duration wait;

  /** @param what the resource, for the refusal message ("group shop", "the port redirects") */
  public BoundedLock(String what, Duration wait) {
    this.what = what;
    this.wait = wait;
  }

  /** Held until closed; for blocks that return in several places. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  public <T> T with(Supplier<T> action) {
    try (Held held = acquire()) {
      return action.get();
    }
  }

  /** Takes the lock within the bound, or throws as {@link #with} does. */
  public Held acquire() {
    Duration limit = CallDeadline.bound(wait, "waiting for " + what);
    boolean locked;
    try {
      locked = lock.tryLock(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for " + what, e);
    }
    if (!locked) {
      if (CallDeadline.limits(limit, wait)) {
        throw new DeadlineExceededException("the caller's deadline passed while waiting for " + what);
      }
      throw new UnavailableException(what + " is busy with another change for more than " + wait);
    }
    return lock::unlock;
  }

  public void run(Runnable action) {
    with(() -> {
      action.run();
      return null;
    });
  }

  /** Whether the current thread holds it. */
  public boolean heldByCurrentThread() {
    return lock.isHeldByCurrentThread();
  }
}
