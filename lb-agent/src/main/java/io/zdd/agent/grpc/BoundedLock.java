package io.zdd.agent.grpc;

import io.zdd.common.error.UnavailableException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/** A lock whose waiting is bounded: a caller stuck behind a slow change is told so, not parked. */
final class BoundedLock {
  private final ReentrantLock lock = new ReentrantLock();
  private final String what;
  private final Duration wait;

  /** @param what the resource, for the refusal message ("group shop", "the port redirects") */
  BoundedLock(String what, Duration wait) {
    this.what = what;
    this.wait = wait;
  }

  <T> T with(Supplier<T> action) {
    boolean locked;
    try {
      locked = lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for " + what, e);
    }
    if (!locked) {
      throw new UnavailableException(what + " is busy with another change for more than " + wait);
    }
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }
}
