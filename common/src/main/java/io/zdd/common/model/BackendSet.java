package io.zdd.common.model;

import io.zdd.common.error.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The desired state of one group on a load balancer. Ordered by (epoch, version): the version is
 * monotonic within one leader's epoch.
 */
public record BackendSet(
    GroupName group,
    long version,
    int frontendPort,
    ProxyMode mode,
    String balance,
    Optional<HealthCheck> healthCheck,
    List<BackendServer> servers,
    List<ColourFrontend> colourFrontends) {

  /** Algorithms that accept {@code add server} at run time on HAProxy 2.6. */
  public static final Set<String> DYNAMIC_BALANCE = Set.of("roundrobin", "leastconn", "first", "random");

  public BackendSet {
    if (group == null) {
      throw new InvalidInputException("backend_set.group", "is required");
    }
    Validation.nonNegative("backend_set.version", version);
    Validation.port("backend_set.frontend_port", frontendPort);
    mode = mode == null ? ProxyMode.HTTP : mode;
    balance = balance == null || balance.isEmpty() ? "roundrobin" : balance;
    if (!DYNAMIC_BALANCE.contains(balance)) {
      throw new InvalidInputException("backend_set.balance",
          "must be one of " + DYNAMIC_BALANCE + " (dynamic servers need a dynamic algorithm), got '"
              + Validation.printable(balance) + "'");
    }
    healthCheck = healthCheck == null ? Optional.empty() : healthCheck;
    servers = List.copyOf(servers == null ? List.of() : servers);
    colourFrontends = List.copyOf(colourFrontends == null ? List.of() : colourFrontends);
    Set<String> names = new HashSet<>();
    for (BackendServer s : servers) {
      if (!names.add(s.name())) {
        throw new InvalidInputException("backend_set.servers", "duplicate server name '" + s.name() + "'");
      }
    }
    Set<Integer> ports = new HashSet<>();
    ports.add(frontendPort);
    for (ColourFrontend f : colourFrontends) {
      if (!ports.add(f.port())) {
        throw new InvalidInputException("backend_set.colour_frontends",
            "port " + f.port() + " is used twice");
      }
    }
  }

  /** The same set under another version. */
  public BackendSet withVersion(long newVersion) {
    return new BackendSet(group, newVersion, frontendPort, mode, balance, healthCheck, servers, colourFrontends);
  }

  /**
   * A digest of everything but the version, from the fields themselves (not a {@code toString}),
   * so a stored digest means the same content across releases: two sets with equal content have
   * equal digests whatever their versions.
   */
  public String contentDigest() {
    StringBuilder b = new StringBuilder("v1|").append(group.value()).append('|').append(frontendPort).append('|')
        .append(mode.name()).append('|').append(balance).append('|');
    healthCheck.ifPresent(h -> b.append(h.httpPath()).append(',').append(h.intervalMs()).append(',')
        .append(h.rise()).append(',').append(h.fall()));
    b.append('|');
    for (BackendServer s : servers) {
      b.append(s.name()).append(',').append(s.address()).append(',').append(s.port()).append(',').append(s.weight())
          .append(',').append(s.adminState() == null ? "" : s.adminState().name()).append(',')
          .append(s.colour() == null ? "" : s.colour().name()).append(',')
          .append(s.taskId() == null ? "" : s.taskId()).append(';');
    }
    b.append('|');
    for (ColourFrontend f : colourFrontends) {
      b.append(f.colour().name()).append(',').append(f.port()).append(';');
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(
          b.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required", e);
    }
  }

  public Optional<BackendServer> server(String name) {
    return servers.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
