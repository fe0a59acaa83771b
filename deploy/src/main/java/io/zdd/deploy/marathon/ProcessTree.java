package io.zdd.deploy.marathon;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Signals a task's whole process tree. {@code sh -c 'a && b'} keeps the shell as the parent of
 * {@code b}; signalling only the shell would leave {@code b} running. Handles are remembered (see
 * {@link #remember}) so that children re-parented to init after their shell died are still found.
 * {@link ProcessHandle} checks the start time, so a reused pid is never signalled.
 */
final class ProcessTree {
  private final ProcessHandle root;
  private final Set<ProcessHandle> known = new LinkedHashSet<>();

  ProcessTree(ProcessHandle root) {
    this.root = root;
    known.add(root);
  }

  /** Adds the current descendants of the root to the remembered set. */
  synchronized void remember() {
    if (root.isAlive()) {
      root.descendants().forEach(known::add);
    }
  }

  /**
   * {@link #remember()} at most once per {@code interval}: listing descendants reads all of
   * {@code /proc}, too much to do for every task on every reconciliation tick.
   */
  synchronized void rememberEvery(Duration interval, Instant now) {
    if (lastScan == null || !now.isBefore(lastScan.plus(interval))) {
      lastScan = now;
      remember();
    }
  }

  private Instant lastScan;

  /** SIGTERM to every live member. */
  synchronized void terminate() {
    remember();
    known.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroy);
  }

  /** SIGKILL to every live member. */
  synchronized void kill() {
    remember();
    known.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  synchronized boolean anyAlive() {
    return known.stream().anyMatch(ProcessHandle::isAlive);
  }

  synchronized Set<Long> livePids() {
    return known.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).collect(Collectors.toSet());
  }
}
