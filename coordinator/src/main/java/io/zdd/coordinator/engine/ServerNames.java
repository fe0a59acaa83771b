package io.zdd.coordinator.engine;

import io.zdd.coordinator.engine.port.TaskStatus;

/**
 * HAProxy server names for tasks. Derived from the address and port the LB connects to (not
 * from {@code task.ports} zipped with host names, which broke zdd.py for multi-port and
 * IP-per-task apps), so blue and green tasks can never collide.
 */
public final class ServerNames {
  private ServerNames() {}

  public static String of(TaskStatus task) {
    String address = task.address().replaceAll("[^A-Za-z0-9]", "_");
    return address + "_" + task.port(0);
  }
}
