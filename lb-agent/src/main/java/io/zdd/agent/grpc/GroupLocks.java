package io.zdd.agent.grpc;

import io.zdd.common.model.GroupName;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One lock per group around "check epoch and version, apply, commit": without it two concurrent
 * sets for the same group could be checked in one order and applied in the other. Waiting is
 * bounded.
 */
final class GroupLocks {
  private final ConcurrentHashMap<GroupName, BoundedLock> locks = new ConcurrentHashMap<>();
  private final Duration wait;

  GroupLocks(Duration wait) {
    this.wait = wait;
  }

  <T> T with(GroupName group, Supplier<T> action) {
    return locks.computeIfAbsent(group, g -> new BoundedLock("group " + g, wait)).with(action);
  }
}
