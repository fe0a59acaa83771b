package io.zdd.common.model;

/**
 * A server as HAProxy reports it.
 *
 * @param status HAProxy status text (UP, DOWN, DRAIN, MAINT, NOLB, "no check", "UP 1/3", …)
 * @param checkStatus last check result (L4OK, L7OK, L4CON, …), empty without checks
 * @param scur current sessions in the current worker
 */
public record ObservedServer(
    String name,
    String address,
    int port,
    int weight,
    AdminState adminState,
    String status,
    String checkStatus,
    int scur) {

  /** True when HAProxy would route to it if its weight were above 0 (UP and READY). */
  public boolean isUp() {
    return adminState == AdminState.READY && (status.equals("UP") || status.equals("no check"));
  }
}
