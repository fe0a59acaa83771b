package io.zdd.agent.haproxy;

import io.zdd.common.model.PortRange;
import java.time.Duration;

/**
 * Tunables of {@link HaproxyBackendController}.
 *
 * @param removal what to do with servers that left the desired set
 * @param removalSettle how long a removed server must be idle in every worker before deletion
 * @param frontendPorts the ports group frontends may bind (the agent's --frontend-port-range)
 * @param configSync when a change writes {@code zdd.cfg} (the agent's --config-sync)
 */
public record ControllerSettings(RemovalPolicy removal, Duration removalSettle, PortRange frontendPorts,
    ConfigSync configSync) {

  /** With the default {@link ConfigSync#STRUCTURE}. */
  public ControllerSettings(RemovalPolicy removal, Duration removalSettle, PortRange frontendPorts) {
    this(removal, removalSettle, frontendPorts, ConfigSync.STRUCTURE);
  }

  /** Every port allowed: the agent narrows it to its flag; tests on free ports keep it wide. */
  public static ControllerSettings defaults() {
    return new ControllerSettings(RemovalPolicy.KEEP_IN_MAINT, Duration.ofSeconds(10), new PortRange(1, 65535),
        ConfigSync.STRUCTURE);
  }

  public ControllerSettings withRemoval(RemovalPolicy policy, Duration settle) {
    return new ControllerSettings(policy, settle, frontendPorts, configSync);
  }

  public ControllerSettings withFrontendPorts(PortRange ports) {
    return new ControllerSettings(removal, removalSettle, ports, configSync);
  }

  public ControllerSettings withConfigSync(ConfigSync sync) {
    return new ControllerSettings(removal, removalSettle, frontendPorts, sync);
  }
}
