package io.zdd.agent.grpc;

import io.zdd.common.concurrent.BoundedLock;
import io.zdd.common.model.GroupName;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One lock per group around "check epoch and version, apply, commit": without it two concurrent
 * sets for the same group could be checked in one order and applied in the other. Waiting is
 * bounded.
 */
final class GroupLocks {
  /** A group's lock and how many callers hold it or wait for it; dropped when that reaches 0. */
  private static final class Entry {
    final BoundedLock lock;
    int users;

    Entry(BoundedLock lock) {
      this.lock = lock;
    }
  }

  private final Object mutex = new Object();
  // Guarded by mutex: only groups someone is using, so the map does not grow with every group
  // ever seen (groups come and go).
  private final Map<GroupName, Entry> locks = new HashMap<>();
  private final Duration wait;

  GroupLocks(Duration wait) {
    this.wait = wait;
  }

  <T> T with(GroupName group, Supplier<T> action) {
    Entry e;
    synchronized (mutex) {
      e = locks.computeIfAbsent(group, g -> new Entry(new BoundedLock("group " + g, wait)));
      e.users++;
    }
    try {
      return e.lock.with(action);
    } finally {
      synchronized (mutex) {
        if (--e.users == 0) {
          locks.remove(group);
        }
      }
    }
  }

  /** Groups with a lock right now (held or waited for). */
  int size() {
    synchronized (mutex) {
      return locks.size();
    }
  }
}
