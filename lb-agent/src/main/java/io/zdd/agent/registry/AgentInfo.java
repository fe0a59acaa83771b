package io.zdd.agent.registry;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.zdd.common.model.AgentId;
import java.util.List;

/**
 * What an agent publishes about itself in ZooKeeper ({@code <root>/agents/<agentId>}) so the
 * coordinator can find and address it.
 *
 * @param address host:port of the agent's gRPC server
 * @param lbGroups the Marathon-LB groups it was started for ({@code --lb-group}; {@code *} for all):
 *     which apps the coordinator deploys to it
 * @param groups deployment groups whose servers it holds now (informational, and so that a
 *     coordinator drains through it whatever its membership)
 * @param capabilities e.g. {@code port-swap} when the agent may change nat rules
 */
public record AgentInfo(
    @JsonProperty("agentId") String agentId,
    @JsonProperty("address") String address,
    @JsonProperty("haproxyVersion") String haproxyVersion,
    @JsonProperty("lbGroups") List<String> lbGroups,
    @JsonProperty("groups") List<String> groups,
    @JsonProperty("capabilities") List<String> capabilities) {
  public static final String PORT_SWAP = "port-swap";

  public AgentInfo {
    AgentId.of(agentId); // validates: the id is a path segment
    lbGroups = List.copyOf(lbGroups).stream().sorted().toList();
    groups = List.copyOf(groups).stream().sorted().toList();
    capabilities = List.copyOf(capabilities).stream().sorted().toList();
    haproxyVersion = haproxyVersion == null ? "" : haproxyVersion;
  }

  public AgentInfo withGroups(List<String> newGroups) {
    return new AgentInfo(agentId, address, haproxyVersion, lbGroups, newGroups, capabilities);
  }

  public AgentInfo withCapabilities(List<String> newCapabilities) {
    return new AgentInfo(agentId, address, haproxyVersion, lbGroups, groups, newCapabilities);
  }

  public AgentInfo withHaproxyVersion(String version) {
    return new AgentInfo(agentId, address, version, lbGroups, groups, capabilities);
  }
}
