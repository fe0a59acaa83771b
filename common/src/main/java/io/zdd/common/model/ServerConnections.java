package io.zdd.common.model;

/**
 * Connection counts of one server, summed over the current and every old HAProxy worker.
 *
 * @param scur current sessions, all workers
 * @param qcur queued requests, all workers
 * @param stot cumulative sessions in the current worker
 * @param status status text in the current worker
 * @param oldWorkerScur of scur, sessions held by old workers
 */
public record ServerConnections(
    GroupName group,
    String server,
    int scur,
    int qcur,
    long stot,
    String status,
    AdminState adminState,
    int oldWorkerScur) {

  /** Drained: nothing in flight and nothing queued, in any worker. */
  public boolean isIdle() {
    return scur == 0 && qcur == 0;
  }
}
