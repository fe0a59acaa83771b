package io.zdd.deploy.marathon;

import io.zdd.common.model.PortRange;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Service ports are cluster-wide in Marathon: unique across apps, assigned from a range when an
 * app asks for 0. Not thread-safe: the scheduler calls it under its lock.
 */
final class ServicePortRegistry {
  private final PortRange range;
  private final Map<Integer, String> owners = new HashMap<>();

  ServicePortRegistry(PortRange range) {
    this.range = range;
  }

  /** The app that holds {@code port}, other than {@code appId}. */
  Optional<String> conflict(int port, String appId) {
    String owner = owners.get(port);
    return owner == null || owner.equals(appId) ? Optional.empty() : Optional.of(owner);
  }

  /** A free port from the range that is neither held nor in {@code alsoAvoid}, or empty. */
  Optional<Integer> next(List<Integer> alsoAvoid) {
    for (int port = range.first(); port <= range.last(); port++) {
      if (!owners.containsKey(port) && !alsoAvoid.contains(port)) {
        return Optional.of(port);
      }
    }
    return Optional.empty();
  }

  /** Replaces every port held by {@code appId} with {@code ports}. */
  void assign(String appId, List<Integer> ports) {
    release(appId);
    ports.forEach(port -> owners.put(port, appId));
  }

  void release(String appId) {
    owners.values().removeIf(appId::equals);
  }
}
