package io.zdd.agent.haproxy;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.zdd.common.model.GroupName;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Each group's desired set as {@code zdd.cfg} has it, or is about to have it once the background
 * write of a server-only change is done; every write of the file renders from it. Guarded by its
 * own small monitor, held only for map updates and copies (never for rendering, I/O or another
 * lock), so a server-only change records its set here without waiting behind another group's file
 * step. A group's entry changes only while that group's lock is held.
 *
 * <p>Counts its changes to tell whether the file is in step: {@link #written} records the count a
 * write rendered from, so a pending background write that a synchronous write (ours, before a
 * reload) already carried finds nothing to do.
 */
final class FileSets {
  private final Object monitor = new Object();
  @GuardedBy("monitor")
  private final Map<GroupName, HaproxyBackendController.Applied> sets = new TreeMap<>();
  /** Changes to {@link #sets} so far. */
  @GuardedBy("monitor")
  private long changes;
  /** The value of {@link #changes} whose sets the file has. */
  @GuardedBy("monitor")
  private long written;

  /** The sets at one moment, and the change count they were taken at. */
  record Snapshot(Map<GroupName, HaproxyBackendController.Applied> sets, long changes) {}

  FileSets(Map<GroupName, HaproxyBackendController.Applied> inTheFile) {
    synchronized (monitor) {
      sets.putAll(inTheFile);
    }
  }

  Snapshot snapshot() {
    synchronized (monitor) {
      return new Snapshot(new TreeMap<>(sets), changes);
    }
  }

  Optional<HaproxyBackendController.Applied> get(GroupName group) {
    synchronized (monitor) {
      return Optional.ofNullable(sets.get(group));
    }
  }

  /** A change the file does not have yet (the background writer brings it there). */
  void putPending(GroupName group, HaproxyBackendController.Applied set) {
    synchronized (monitor) {
      sets.put(group, set);
      changes++;
    }
  }

  /**
   * A synchronous write rendered from {@code basis} with {@code group}'s block set to
   * {@code set} (removed when empty) is in place: record it. When nothing changed since
   * {@code basis} the file is now wholly in step.
   */
  void putWritten(GroupName group, Optional<HaproxyBackendController.Applied> set, Snapshot basis) {
    synchronized (monitor) {
      boolean nothingSince = changes == basis.changes();
      if (set.isPresent()) {
        sets.put(group, set.get());
      } else {
        sets.remove(group);
      }
      changes++;
      if (nothingSince) {
        written = changes;
      }
    }
  }

  /** A write rendered from {@code basis} (every group's set as it was then) is in place. */
  void written(Snapshot basis) {
    synchronized (monitor) {
      written = Math.max(written, basis.changes());
    }
  }

  /** True when the file has every set here (no background write pending). */
  boolean inStep() {
    synchronized (monitor) {
      return written == changes;
    }
  }
}
