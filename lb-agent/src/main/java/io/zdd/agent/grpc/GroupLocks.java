package io.zdd.agent.grpc;

import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.GroupName;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per group around "admit version, then apply": without it two concurrent sets for the
 * same group could be admitted in one order and applied in the other. Waiting is bounded.
 */
final class GroupLocks {
  private final ConcurrentHashMap<GroupName, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final Duration wait;

  GroupLocks(Duration wait) {
    this.wait = wait;
  }

  <T> T with(GroupName group, Supplier<T> action) {
    ReentrantLock lock = locks.computeIfAbsent(group, g -> new ReentrantLock());
    boolean locked;
    try {
      locked = lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for group " + group, e);
    }
    if (!locked) {
      throw new UnavailableException("group " + group + " is busy with another change for more than " + wait);
    }
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }
}
