package io.zdd.coordinator.marathon;

import java.util.Objects;

/**
 * Where a load balancer reaches one port of one task.
 *
 * @param taskId the Marathon task id
 * @param host the agent host as Marathon wrote it ({@code task.host})
 * @param ip IP literal to send traffic to: the agent's IP, or the task's own IP when IP-per-task
 * @param port port on {@code ip}: a host port, or a container port when IP-per-task
 * @param portIndex index of the app port this endpoint serves
 * @param mode how the app is networked
 */
public record TaskEndpoint(String taskId, String host, String ip, int port, int portIndex, NetworkingMode mode) {
  public TaskEndpoint {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(ip, "ip");
    Objects.requireNonNull(mode, "mode");
  }

  /** The name marathon-lb gives this server; see {@link ServerNames#legacy}. */
  public String legacyServerName() {
    return ServerNames.legacy(host, ip, port);
  }
}
