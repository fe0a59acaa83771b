package io.zdd.coordinator.engine;

import io.zdd.common.error.UnavailableException;
import io.zdd.coordinator.engine.port.DeploymentStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * The record of one {@link Deployment} and the one way it is stored. It has two writers, the tick
 * and the operators' controls; {@link #writeLock} serialises their writes and is held only for the
 * store's write itself (bounded by the store's deadline), never across a Marathon, LB, hook or
 * probe call. The record is read without the lock.
 */
final class RecordWriter {
  /** Longest a writer waits for another's ZooKeeper write before giving up (UNAVAILABLE). */
  private static final Duration WRITE_LOCK_WAIT = Duration.ofSeconds(10);

  private final DeploymentStore store;
  private final ReentrantLock writeLock = new ReentrantLock();
  /** Signalled after every write, for {@link #awaitControls}. */
  private final Condition written = writeLock.newCondition();
  /** Replaced only under {@link #writeLock}, after the store accepted the new record. */
  private volatile DeploymentRecord rec;
  /** Set when the leader term driving the deployment closed: nothing more is written. */
  private volatile boolean stopped;

  RecordWriter(DeploymentStore store, DeploymentRecord record) {
    this.store = store;
    this.rec = record;
  }

  /** The record as last written. */
  DeploymentRecord current() {
    return rec;
  }

  /** The leader term closed: every later write is refused (UNAVAILABLE). */
  void stop() {
    stopped = true;
  }

  boolean stopped() {
    return stopped;
  }

  /**
   * A tick's write, always stored even when nothing changed: it is the fence before what the
   * tick does next (a kill repeated after a failure must still prove the leader holds its epoch).
   * The operator's parts of the record (audit entries and requests not applied yet) are taken
   * from the record as it is at the write, so a control accepted during the tick is neither lost
   * nor applied twice.
   */
  void save(DeploymentRecord next) {
    write(current -> next.toBuilder().auditEntries(current.audit())
        .controls(current.controls().appliedThrough(next.controls().appliedThrough())).build(), true);
  }

  /** An operator's change: stored only when it changes the record. */
  DeploymentRecord update(UnaryOperator<DeploymentRecord> change) {
    return write(change, false);
  }

  /**
   * Waits up to {@code max} until no request is pending (or the deployment finished) and returns
   * the record then.
   */
  DeploymentRecord awaitControls(Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    writeLock.lockInterruptibly();
    try {
      while (rec.running() && !rec.controls().pending().isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        written.awaitNanos(left);
      }
      return rec;
    } finally {
      writeLock.unlock();
    }
  }

  /** Computes the next record from the current one and stores it, under the write lock. */
  private DeploymentRecord write(UnaryOperator<DeploymentRecord> change, boolean always) {
    if (stopped) {
      throw new UnavailableException("deployment " + rec.id() + " is no longer driven by this leader term");
    }
    try {
      if (!writeLock.tryLock(WRITE_LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new UnavailableException("deployment " + rec.id() + ": another write of its record has taken over "
            + WRITE_LOCK_WAIT.toSeconds() + " s; try again");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting to write deployment " + rec.id(), e);
    }
    try {
      DeploymentRecord next = change.apply(rec);
      if (always || !next.equals(rec)) {
        store.save(next);
        rec = next;
        written.signalAll();
      }
      return rec;
    } finally {
      writeLock.unlock();
    }
  }
}
