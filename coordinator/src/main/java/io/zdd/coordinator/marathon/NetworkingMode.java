package io.zdd.coordinator.marathon;

/**
 * How a Marathon app's tasks are reached, decided the way marathon-lb's
 * {@code get_app_networking_mode} does it, so zdd and marathon-lb agree on addresses.
 */
public enum NetworkingMode {
  /** Host networking: the agent's address and the host ports in {@code task.ports}. */
  HOST,
  /** Docker/Mesos bridge: the agent's address and the host ports mapped to container ports. */
  BRIDGE,
  /** IP-per-task (USER networks, legacy {@code ipAddress}): the task's own IP and container ports. */
  CONTAINER
}
