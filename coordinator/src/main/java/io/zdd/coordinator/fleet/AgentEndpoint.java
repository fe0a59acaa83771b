package io.zdd.coordinator.fleet;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.Validation;
import io.zdd.common.model.RegisteredAgent;
import io.zdd.coordinator.engine.LbGroups;
import java.util.List;

/**
 * Where an agent can be reached and what it said about itself when it registered.
 *
 * @param address host:port of its gRPC endpoint
 * @param lbGroups the Marathon-LB groups it was started for ({@code *}: every group)
 * @param groups deployment groups it holds right now (its config has their servers)
 */
public record AgentEndpoint(AgentId id, String address, String haproxyVersion, List<String> lbGroups,
    List<String> groups) {
  public AgentEndpoint {
    Validation.hostPort("agent.address", address);
    haproxyVersion = haproxyVersion == null ? "" : haproxyVersion;
    lbGroups = List.copyOf(lbGroups == null ? List.of() : lbGroups);
    groups = List.copyOf(groups == null ? List.of() : groups);
  }

  /** The endpoint an agent's registration in ZooKeeper describes. */
  public static AgentEndpoint of(RegisteredAgent r) {
    return new AgentEndpoint(r.id(), r.address(), r.haproxyVersion(), r.lbGroups(), r.groups());
  }

  /** True when the agent's Marathon-LB groups serve an app exposed on {@code app}. */
  public boolean serves(LbGroups app) {
    return app.servedBy(lbGroups);
  }

  /** True when the agent said it holds the deployment group's servers. */
  public boolean holds(String group) {
    return groups.contains(group);
  }

  public String host() {
    return address.substring(0, address.lastIndexOf(':'));
  }

  public int port() {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }
}
