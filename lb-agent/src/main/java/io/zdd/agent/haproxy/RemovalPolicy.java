package io.zdd.agent.haproxy;

/** What happens to a server that left the desired set, after it has been put in maintenance. */
public enum RemovalPolicy {
  /**
   * Stay in MAINT until the next reload drops it (the file no longer has it). Safest on Debian's
   * 2.6.12, which can crash deleting a dynamic server that streams still reference.
   */
  KEEP_IN_MAINT,
  /** {@code del server} once every worker has shown it idle for the settle period. */
  DELETE_WHEN_IDLE
}
