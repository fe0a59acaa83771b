package io.zdd.coordinator.marathon;

/**
 * Turns an agent host as Marathon reports it ({@code task.host}: a name or an IP literal) into an
 * IP literal. HAProxy servers added at runtime cannot carry names, so every backend address must be
 * an IP. Implementations must bound the time they take.
 */
@FunctionalInterface
public interface HostAddressResolver {
  /**
   * @return an IPv4 or IPv6 literal
   * @throws io.zdd.common.error.UnavailableException when the name does not resolve in time or at all
   */
  String resolve(String host);
}
