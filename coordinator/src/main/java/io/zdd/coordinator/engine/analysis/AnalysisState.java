package io.zdd.coordinator.engine.analysis;

import java.time.Instant;

/**
 * A deployment's analysis of its current traffic step, a part of its persisted record: saved
 * with each measurement before the decision acts, so a new leader carries on counting.
 *
 * @param step the traffic step analysed; -1 before the first
 * @param measurements measurements made in this step
 * @param failures of them, failed
 * @param inconclusives of them, inconclusive
 * @param lastAt when the last measurement was made (or the step's analysis started); null before
 * @param result where the step's analysis stands
 * @param summary the last measurement, or the decision, in words
 * @param confirmed the confirm-promotion webhooks answered 2xx (the final switch may go)
 */
public record AnalysisState(int step, int measurements, int failures, int inconclusives, Instant lastAt, Result result,
    String summary, boolean confirmed) {
  public static final AnalysisState NONE = new AnalysisState(-1, 0, 0, 0, null, Result.NONE, "", false);

  public enum Result {
    /** No analysis for this step (none configured, or not started). */
    NONE,
    RUNNING,
    PASSED,
    FAILED,
    INCONCLUSIVE,
    /** An operator promoted with --skip-analysis. */
    SKIPPED
  }

  public AnalysisState {
    result = result == null ? Result.NONE : result;
    summary = summary == null ? "" : summary;
  }

  /** The analysis of {@code step} starting {@code at}. */
  public static AnalysisState startAt(int step, Instant at) {
    return new AnalysisState(step, 0, 0, 0, at, Result.RUNNING, "analysis started", false);
  }

  /** The step may move on as far as the analysis is concerned. */
  public boolean open() {
    return result == Result.PASSED || result == Result.SKIPPED;
  }

  public AnalysisState skipped(String why) {
    return new AnalysisState(step, measurements, failures, inconclusives, lastAt, Result.SKIPPED, why, confirmed);
  }

  /** After an operator's resume: the step is analysed again from its next measurement. */
  public AnalysisState restartedAt(Instant at) {
    return new AnalysisState(step, 0, 0, 0, at, Result.RUNNING, "analysis restarted", confirmed);
  }

  public AnalysisState withConfirmed(boolean to) {
    return new AnalysisState(step, measurements, failures, inconclusives, lastAt, result, summary, to);
  }

  /** Stopped by a failure or too many inconclusive measurements. */
  public boolean halted() {
    return result == Result.FAILED || result == Result.INCONCLUSIVE;
  }
}
