package io.zdd.common.concurrent;

import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.UnavailableException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A reentrant lock whose waiting is bounded, by its own wait and by the caller's
 * {@link CallDeadline}: a caller stuck behind a slow change is told so (UNAVAILABLE, or
 * DEADLINE_EXCEEDED when its own deadline ran out first), never parked.
 *
 * <p>It is a {@link Lock} so that fields it guards can carry {@code @GuardedBy} and Error Prone
 * can check them: the checker follows {@code lock.lock(); try { ... } finally { lock.unlock(); }}
 * (it does not follow {@link #acquire}'s try-with-resources or {@link #with}'s lambda). Unlike
 * {@link ReentrantLock#lock}, {@link #lock} is bounded as {@link #acquire} is and throws when the
 * bound passes (the unchecked exception {@link Lock} allows an implementation to document);
 * {@link #tryLock(long, TimeUnit)} waits exactly as long as it is told.
 */
public final class BoundedLock implements Lock {
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

  /** Takes the lock within the bound, or throws as {@link #lock} does. */
  public Held acquire() {
    lock();
    return lock::unlock;
  }

  /**
   * Takes the lock, waiting at most its own wait and the time the caller has left.
   *
   * @throws DeadlineExceededException when the caller's deadline ended the wait (or had passed)
   * @throws UnavailableException when the lock's own wait did, or the thread was interrupted
   */
  @Override
  public void lock() {
    try {
      lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for " + what, e);
    }
  }

  /** As {@link #lock}, but an interrupt while waiting is thrown as such. */
  @Override
  public void lockInterruptibly() throws InterruptedException {
    Duration limit = CallDeadline.bound(wait, "waiting for " + what);
    if (!lock.tryLock(limit.toNanos(), TimeUnit.NANOSECONDS)) {
      if (CallDeadline.limits(limit, wait)) {
        throw new DeadlineExceededException("the caller's deadline passed while waiting for " + what);
      }
      throw new UnavailableException(what + " is busy with another change for more than " + wait);
    }
  }

  @Override
  public boolean tryLock() {
    return lock.tryLock();
  }

  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    return lock.tryLock(time, unit);
  }

  @Override
  public void unlock() {
    lock.unlock();
  }

  @Override
  public Condition newCondition() {
    return lock.newCondition();
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
