package io.zdd.deploy.marathon;

/** Mesos task states as Marathon reports them in {@code state} and {@code taskStatus}. */
enum TaskState {
  TASK_STAGING,
  TASK_RUNNING,
  TASK_KILLING,
  TASK_KILLED,
  TASK_FAILED,
  TASK_FINISHED;

  boolean isTerminal() {
    return this == TASK_KILLED || this == TASK_FAILED || this == TASK_FINISHED;
  }
}
