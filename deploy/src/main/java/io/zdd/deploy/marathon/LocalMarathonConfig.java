package io.zdd.deploy.marathon;

import io.zdd.common.model.PortRange;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the local scheduler.
 *
 * @param host the address tasks bind and report as {@code host} (and {@code HOST}); loopback by default
 * @param taskPorts host ports handed to tasks ({@code PORT0..n})
 * @param servicePorts service ports assigned to apps that ask for port 0
 * @param sandboxRoot parent of the per-task working directories (stdout/stderr land there); null
 *     means a fresh temporary directory that is deleted on close
 * @param reconcileInterval how often task counts are reconciled with {@code instances}
 */
public record LocalMarathonConfig(
    String host, PortRange taskPorts, PortRange servicePorts, Path sandboxRoot, Clock clock, Duration reconcileInterval) {

  public static final PortRange DEFAULT_TASK_PORTS = new PortRange(31000, 32000);
  public static final PortRange DEFAULT_SERVICE_PORTS = new PortRange(10000, 20000);

  public LocalMarathonConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(taskPorts, "taskPorts");
    Objects.requireNonNull(servicePorts, "servicePorts");
    Objects.requireNonNull(clock, "clock");
    if (reconcileInterval.isNegative() || reconcileInterval.isZero()) {
      throw new IllegalArgumentException("reconcileInterval must be positive, got " + reconcileInterval);
    }
  }

  public static LocalMarathonConfig defaults() {
    return new LocalMarathonConfig(
        "127.0.0.1", DEFAULT_TASK_PORTS, DEFAULT_SERVICE_PORTS, null, Clock.systemUTC(), Duration.ofMillis(250));
  }

  public LocalMarathonConfig withTaskPorts(PortRange range) {
    return new LocalMarathonConfig(host, range, servicePorts, sandboxRoot, clock, reconcileInterval);
  }

  public LocalMarathonConfig withServicePorts(PortRange range) {
    return new LocalMarathonConfig(host, taskPorts, range, sandboxRoot, clock, reconcileInterval);
  }

  public LocalMarathonConfig withSandboxRoot(Path root) {
    return new LocalMarathonConfig(host, taskPorts, servicePorts, root, clock, reconcileInterval);
  }

  public LocalMarathonConfig withHost(String newHost) {
    return new LocalMarathonConfig(newHost, taskPorts, servicePorts, sandboxRoot, clock, reconcileInterval);
  }
}
