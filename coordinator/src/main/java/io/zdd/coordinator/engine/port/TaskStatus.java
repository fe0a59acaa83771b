package io.zdd.coordinator.engine.port;

import java.util.List;

/**
 * One Marathon task as the engine needs it. The adapter resolves the address and ports for the
 * app's networking mode (host, BRIDGE port mappings, USER/IP-per-task), so the engine never looks
 * at Marathon's networking fields.
 *
 * @param id Marathon task id
 * @param host agent host name (informational)
 * @param address IP literal the load balancers connect to
 * @param ports ports on {@code address}, in port-index order (index 0 is the served port)
 * @param healthy true when Marathon reports it alive (or running, for apps without health checks)
 * @param state Marathon task state, e.g. TASK_RUNNING
 */
public record TaskStatus(
    String id, String host, String address, List<Integer> ports, boolean healthy, String state) {
  public TaskStatus {
    ports = List.copyOf(ports == null ? List.of() : ports);
    host = host == null ? "" : host;
    state = state == null ? "" : state;
  }

  /** Running and healthy, with an address and a port: something a load balancer can use. */
  public boolean serving() {
    return healthy && "TASK_RUNNING".equals(state) && address != null && !address.isEmpty()
        && !ports.isEmpty();
  }

  public int port(int index) {
    return index < ports.size() ? ports.get(index) : -1;
  }
}
