package io.zdd.coordinator.engine;

import java.util.Locale;

/** An operator's request on a running deployment; see {@link Controls} for how it is applied. */
public enum Control {
  /** Hold at the current step (a rollback is never held). */
  PAUSE,
  /** Release a pause. */
  RESUME,
  /** Advance a held canary (to the full target) or traffic step (to the next one). */
  PROMOTE,
  /** Roll back: traffic to blue first, then green drained and deleted. */
  ABORT,
  /**
   * {@code promote --skip-analysis}: move a traffic step gated by analysis on without its analysis
   * (running, failed or inconclusive), releasing the pause the analysis set; audited like every control.
   */
  SKIP_ANALYSIS;

  /** The verb, as operators type it ("pause"). */
  public String verb() {
    return this == SKIP_ANALYSIS ? "promote --skip-analysis" : name().toLowerCase(Locale.ROOT);
  }

  /** The past-tense verb for events, audit entries and answers ("paused"). */
  public String done() {
    return switch (this) {
      case PAUSE -> "paused";
      case RESUME -> "resumed";
      case PROMOTE -> "promoted";
      case ABORT -> "aborted";
      case SKIP_ANALYSIS -> "promoted, skipping the step's analysis,";
    };
  }
}
