package io.zdd.agent.registry;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.zdd.common.model.AgentId;
import java.util.List;

/**
 * What an agent publishes about itself in ZooKeeper ({@code <root>/agents/<agentId>}) so the
 * coordinator can find and address it.
 *
 * @param address host:port of the agent's gRPC server
 * @param groups deployment groups the agent currently serves
 * @param capabilities e.g. {@code port-swap} when the agent may change nat rules
 */
public record AgentInfo(
    @JsonProperty("agentId") String agentId,
    @JsonProperty("address") String address,
    @JsonProperty("haproxyVersion") String haproxyVersion,
    @JsonProperty("groups") List<String> groups,
    @JsonProperty("capabilities") List<String> capabilities) {
  public static final String PORT_SWAP = "port-swap";

  public AgentInfo {
    AgentId.of(agentId); // validates: the id is a path segment
    groups = List.copyOf(groups).stream().sorted().toList();
    capabilities = List.copyOf(capabilities).stream().sorted().toList();
    haproxyVersion = haproxyVersion == null ? "" : haproxyVersion;
  }

  public AgentInfo withGroups(List<String> newGroups) {
    return new AgentInfo(agentId, address, haproxyVersion, newGroups, capabilities);
  }

  public AgentInfo withCapabilities(List<String> newCapabilities) {
    return new AgentInfo(agentId, address, haproxyVersion, groups, newCapabilities);
  }

  public AgentInfo withHaproxyVersion(String version) {
    return new AgentInfo(agentId, address, version, groups, capabilities);
  }
}
