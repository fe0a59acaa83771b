package io.zdd.bench.chaos;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the soak saw, from every thread: faults with their windows, deployments with their
 * outcomes, failed requests and invariant violations. Windows let each failed request be judged:
 * a request through an LB whose agent (and HAProxy) was restarting, or on an app being
 * deliberately aborted, is excused and counted apart; any other failure violates an invariant.
 */
final class Journal {
  private static final Logger log = LoggerFactory.getLogger(Journal.class);
  /** A failed request within this margin of a window still belongs to it (connect timeouts, clocks). */
  static final Duration MARGIN = Duration.ofSeconds(3);

  /** An LB down or an app being aborted, from {@code from} until closed. */
  static final class Window {
    private final String key;
    private final Instant from;
    private volatile Instant to;

    Window(String key, Instant from) {
      this.key = key;
      this.from = from;
    }

    void close() {
      to = Instant.now();
    }

    boolean covers(String k, Instant t) {
      Instant end = to;
      return key.equals(k) && !t.isBefore(from.minus(MARGIN)) && (end == null || !t.isAfter(end.plus(MARGIN)));
    }
  }

  record Injected(Fault fault, Instant at, Duration lasted, String detail) {}

  record Finished(String app, DeploymentLoop.Kind kind, String id, String outcome, String message, Duration took) {}

  private final Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
  private final List<Injected> injected = new ArrayList<>();
  private final List<Window> lbDown = new ArrayList<>();
  private final List<Window> aborted = new ArrayList<>();
  private final List<Finished> deployments = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final Map<Invariant, Integer> violated = new EnumMap<>(Invariant.class);
  private final List<String> excusedSamples = new ArrayList<>();
  private final List<Failure> pendingFailures = new ArrayList<>();
  private final AtomicLong killsChecked = new AtomicLong();
  private final AtomicLong killsUnverifiable = new AtomicLong();
  private long failedOnRestartingLb;
  private long failedOnAbortedRoute;
  private long failedUnexcused;

  record Failure(Instant at, String app, String lb, String reason) {}

  synchronized void fault(Fault fault, Instant at, Duration lasted, String detail) {
    faults.merge(fault, 1, Integer::sum);
    injected.add(new Injected(fault, at, lasted, detail));
    log.info("fault {}: {} ({} ms)", fault, detail, lasted.toMillis());
  }

  /** Opens a window in which requests through this LB may fail (its agent and HAProxy restart). */
  synchronized Window lbDown(String lbAddress) {
    Window w = new Window(lbAddress, Instant.now());
    lbDown.add(w);
    return w;
  }

  /** Opens a window in which requests on this app may fail (it is being aborted on purpose). */
  synchronized Window aborting(String app) {
    Window w = new Window(app, Instant.now());
    aborted.add(w);
    return w;
  }

  synchronized void finished(Finished f) {
    deployments.add(f);
    log.info("deployment {} of {} ({}): {} in {} s {}", f.id(), f.app(), f.kind(), f.outcome(), f.took().toSeconds(),
        f.message());
  }

  /** A failed request; judged once every window it might fall in is known ({@link #judgeFailures}). */
  synchronized void failed(Failure f) {
    pendingFailures.add(f);
  }

  /**
   * Judges the failed requests older than {@code before}. An open window covers everything after
   * its start, so only a window opened after {@code before} could still excuse such a failure: the
   * caller passes a time at least the margin back.
   */
  synchronized void judgeFailures(Instant before) {
    List<Failure> keep = new ArrayList<>();
    for (Failure f : pendingFailures) {
      if (f.at().isAfter(before)) {
        keep.add(f);
      } else if (lbDown.stream().anyMatch(w -> w.covers(f.lb(), f.at()))) {
        failedOnRestartingLb++;
        sample(f, "LB restarting");
      } else if (aborted.stream().anyMatch(w -> w.covers(f.app(), f.at()))) {
        failedOnAbortedRoute++;
        sample(f, "aborted route");
      } else {
        failedUnexcused++;
        violation(Invariant.NO_FAILED_REQUEST, "failed request at " + f.at() + " on " + f.app() + " via " + f.lb() + ": " + f.reason());
      }
    }
    pendingFailures.clear();
    pendingFailures.addAll(keep);
  }

  private void sample(Failure f, String why) {
    if (excusedSamples.size() < 20) {
      excusedSamples.add(why + ": " + f.at() + " " + f.app() + " via " + f.lb() + ": " + f.reason());
    }
  }

  synchronized void violation(Invariant invariant, String what) {
    log.error("INVARIANT VIOLATED ({}): {}", invariant, what);
    violated.merge(invariant, 1, Integer::sum);
    if (violations.size() < 200) {
      violations.add(what);
    }
  }

  void killChecked(boolean verifiable) {
    (verifiable ? killsChecked : killsUnverifiable).incrementAndGet();
  }

  synchronized Map<Fault, Integer> faults() {
    return new EnumMap<>(faults);
  }

  synchronized List<Injected> injected() {
    return List.copyOf(injected);
  }

  synchronized List<Finished> deployments() {
    return List.copyOf(deployments);
  }

  synchronized List<String> violations() {
    return List.copyOf(violations);
  }

  /** Violations of this invariant so far. */
  synchronized int violations(Invariant invariant) {
    return violated.getOrDefault(invariant, 0);
  }

  synchronized List<String> excusedSamples() {
    return List.copyOf(excusedSamples);
  }

  synchronized long failedOnRestartingLb() {
    return failedOnRestartingLb;
  }

  synchronized long failedOnAbortedRoute() {
    return failedOnAbortedRoute;
  }

  synchronized long failedUnexcused() {
    return failedUnexcused;
  }

  long killsChecked() {
    return killsChecked.get();
  }

  long killsUnverifiable() {
    return killsUnverifiable.get();
  }
}
