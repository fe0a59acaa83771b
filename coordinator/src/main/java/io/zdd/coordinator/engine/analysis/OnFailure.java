package io.zdd.coordinator.engine.analysis;

/** What a failed analysis does. */
public enum OnFailure {
  /** Roll back at once: traffic to blue first, then green drained and deleted. */
  ROLLBACK,
  /** Pause for an operator, who resumes (the step is analysed again), promotes with --skip-analysis or aborts. */
  PAUSE
}
