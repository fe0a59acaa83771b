package io.zdd.coordinator.marathon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Marathon app as zdd reads it: the fields deployments and address resolution need, plus the
 * reply's own JSON ({@link #raw()}) so a definition can be re-posted without losing fields zdd does
 * not model.
 *
 * @param id app id with its leading slash, e.g. {@code /nginx-green}
 * @param instances the app's configured instance count
 * @param labels the app's labels
 * @param ports legacy top-level {@code ports} (service ports); empty when Marathon 1.5+ leaves it out
 * @param portDefinitions {@code portDefinitions} (host networking)
 * @param portMappings {@code container.docker.portMappings}, or else {@code container.portMappings}
 * @param portMappingsInDocker whether {@link #portMappings} came from {@code container.docker}
 * @param dockerNetwork {@code container.docker.network} (pre-1.5: HOST, BRIDGE, USER)
 * @param networkModes {@code networks[].mode} (1.5+), in order
 * @param ipAddress the legacy IP-per-task {@code ipAddress} block, when present
 * @param hasHealthChecks whether the app defines at least one Marathon health check
 * @param versionInfo {@code versionInfo}
 * @param deployments deployments in progress; non-empty means Marathon is still changing the app
 * @param tasks the tasks, when the reply embedded them
 * @param raw the app object exactly as Marathon sent it
 */
public record MarathonApp(
    String id,
    int instances,
    Map<String, String> labels,
    List<Integer> ports,
    List<PortDefinition> portDefinitions,
    List<PortMapping> portMappings,
    boolean portMappingsInDocker,
    Optional<String> dockerNetwork,
    List<String> networkModes,
    Optional<IpAddressSpec> ipAddress,
    boolean hasHealthChecks,
    VersionInfo versionInfo,
    List<MarathonDeploymentRef> deployments,
    List<MarathonTask> tasks,
    ObjectNode raw) {

  /** One entry of {@code portDefinitions}. */
  public record PortDefinition(int port, Optional<String> name) {}

  /** One entry of a {@code portMappings} array; 0 means "let Marathon pick". */
  public record PortMapping(int containerPort, int hostPort, int servicePort, Optional<String> name) {}

  /** Legacy {@code ipAddress} block; {@code discovery.ports[].number} are the container ports. */
  public record IpAddressSpec(List<Integer> discoveryPorts) {
    public IpAddressSpec {
      discoveryPorts = List.copyOf(discoveryPorts);
    }
  }

  /** {@code versionInfo}: marathon-lb uses {@code lastScalingAt} to tell old from new. */
  public record VersionInfo(Optional<Instant> lastScalingAt, Optional<Instant> lastConfigChangeAt) {
    public static final VersionInfo NONE = new VersionInfo(Optional.empty(), Optional.empty());
  }

  public MarathonApp {
    Objects.requireNonNull(id, "id");
    labels = Map.copyOf(labels);
    ports = List.copyOf(ports);
    portDefinitions = List.copyOf(portDefinitions);
    portMappings = List.copyOf(portMappings);
    dockerNetwork = dockerNetwork == null ? Optional.empty() : dockerNetwork;
    networkModes = List.copyOf(networkModes);
    ipAddress = ipAddress == null ? Optional.empty() : ipAddress;
    versionInfo = versionInfo == null ? VersionInfo.NONE : versionInfo;
    deployments = List.copyOf(deployments);
    tasks = List.copyOf(tasks);
    raw = Objects.requireNonNull(raw, "raw").deepCopy();
  }

  /** A copy of the app's JSON as Marathon sent it; changing the copy changes nothing here. */
  @Override
  public ObjectNode raw() {
    return raw.deepCopy();
  }

  public Optional<String> label(String key) {
    return Optional.ofNullable(labels.get(key));
  }

  /** Marathon is still deploying or scaling the app. */
  public boolean deploying() {
    return !deployments.isEmpty();
  }

  /**
   * The networking mode, decided as marathon-lb's {@code get_app_networking_mode}: legacy
   * {@code ipAddress} means container; {@code container.docker.network} USER means container and
   * BRIDGE means bridge; then each {@code networks[].mode} overrides (the last one wins, a missing
   * mode counts as container). Anything else is host networking.
   */
  public NetworkingMode networkingMode() {
    NetworkingMode mode = NetworkingMode.HOST;
    if (ipAddress.isPresent()) {
      mode = NetworkingMode.CONTAINER;
    }
    String docker = dockerNetwork.orElse("");
    if (docker.equals("USER")) {
      mode = NetworkingMode.CONTAINER;
    } else if (docker.equals("BRIDGE")) {
      mode = NetworkingMode.BRIDGE;
    }
    for (String networkMode : networkModes) {
      mode = switch (networkMode) {
        case "host" -> NetworkingMode.HOST;
        case "container/bridge" -> NetworkingMode.BRIDGE;
        default -> NetworkingMode.CONTAINER;
      };
    }
    return mode;
  }

  /**
   * The first service port, searched in zdd.py's order: {@code container.docker.portMappings},
   * {@code container.portMappings}, {@code portDefinitions}, {@code ports}. Unlike zdd.py
   * the {@code portDefinitions} branch works.
   */
  public Optional<Integer> firstServicePort() {
    if (!portMappings.isEmpty()) {
      return Optional.of(portMappings.get(0).servicePort());
    }
    if (!portDefinitions.isEmpty()) {
      return Optional.of(portDefinitions.get(0).port());
    }
    if (!ports.isEmpty()) {
      return Optional.of(ports.get(0));
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    // The raw JSON can be large (and may hold env values); keep log lines short.
    return "MarathonApp[id=" + id + ", instances=" + instances + ", mode=" + networkingMode()
        + ", deployments=" + deployments.size() + ", tasks=" + tasks.size() + "]";
  }
}
