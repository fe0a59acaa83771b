package io.zdd.agent.haproxy;

import io.zdd.common.model.PortRange;
import java.time.Duration;

/**
 * Tunables of {@link HaproxyBackendController}.
 *
 * @param firstCheckTimeout how long a new server may take to pass its first health check before
 *     it is left in DRAIN instead of being put in service
 * @param checkPoll how often health results are polled while waiting
 * @param removal what to do with servers that left the desired set
 * @param removalSettle how long a removed server must be idle in every worker before deletion
 * @param frontendPorts the ports group frontends may bind (the agent's --frontend-port-range)
 */
public record ControllerSettings(Duration firstCheckTimeout, Duration checkPoll, RemovalPolicy removal,
    Duration removalSettle, PortRange frontendPorts) {
  /** Every port allowed: the agent narrows it to its flag; tests on free ports keep it wide. */
  public static ControllerSettings defaults() {
    return new ControllerSettings(Duration.ofSeconds(10), Duration.ofMillis(50), RemovalPolicy.KEEP_IN_MAINT,
        Duration.ofSeconds(10), new PortRange(1, 65535));
  }

  public ControllerSettings withRemoval(RemovalPolicy policy, Duration settle) {
    return new ControllerSettings(firstCheckTimeout, checkPoll, policy, settle, frontendPorts);
  }

  public ControllerSettings withFrontendPorts(PortRange ports) {
    return new ControllerSettings(firstCheckTimeout, checkPoll, removal, removalSettle, ports);
  }
}
