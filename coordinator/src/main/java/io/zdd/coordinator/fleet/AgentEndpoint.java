package io.zdd.coordinator.fleet;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.AgentId;
import java.util.List;

/**
 * Where an agent can be reached and what it said about itself when it registered.
 *
 * @param address host:port of its gRPC endpoint
 * @param groups groups it serves; empty means every group
 * @param capabilities e.g. "port-swap" when it has CAP_NET_ADMIN
 */
public record AgentEndpoint(
    AgentId id, String address, String haproxyVersion, List<String> groups, List<String> capabilities) {
  public AgentEndpoint {
    if (address == null || !address.matches("[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")) {
      throw new InvalidInputException("agent.address", "must be host:port, got '" + address + "'");
    }
    haproxyVersion = haproxyVersion == null ? "" : haproxyVersion;
    groups = List.copyOf(groups == null ? List.of() : groups);
    capabilities = List.copyOf(capabilities == null ? List.of() : capabilities);
  }

  /** True when the agent serves {@code group} (an agent that lists no groups serves all). */
  public boolean serves(String group) {
    return groups.isEmpty() || groups.contains(group);
  }

  public String host() {
    return address.substring(0, address.lastIndexOf(':'));
  }

  public int port() {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }
}
