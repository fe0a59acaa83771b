package io.zdd.common.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.common.error.InvalidInputException;
import java.io.IOException;
import java.util.List;

/**
 * What an agent publishes about itself in ZooKeeper ({@code <root>/agents/<agentId>}, JSON) so
 * the coordinators can find and address it: written by the agent, read by the coordinators,
 * through this one record. Fields it does not know (an older or newer agent's) are ignored.
 *
 * @param address host:port of the agent's gRPC server
 * @param lbGroups the Marathon-LB groups it was started for ({@code --lb-group}; {@code *} for
 *     all): which apps the coordinator deploys to it. A registration without the field (from an
 *     agent older than Marathon-LB groups) reads as {@code *}: such an agent served every group.
 * @param groups deployment groups whose servers it holds now (so that a coordinator drains
 *     through it whatever its membership)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RegisteredAgent(
    @JsonProperty("agentId") String agentId,
    @JsonProperty("address") String address,
    @JsonProperty("haproxyVersion") String haproxyVersion,
    @JsonProperty("lbGroups") List<String> lbGroups,
    @JsonProperty("groups") List<String> groups) {
  /** The Marathon-LB group name that stands for every group. */
  public static final String EVERY_LB_GROUP = "*";
  private static final ObjectMapper JSON = new ObjectMapper();

  public RegisteredAgent {
    AgentId.of(agentId); // validates: the id is a path segment
    Validation.hostPort("agent.address", address);
    lbGroups = lbGroups == null ? List.of(EVERY_LB_GROUP) : lbGroups.stream().sorted().toList();
    groups = groups == null ? List.of() : groups.stream().sorted().toList();
    haproxyVersion = haproxyVersion == null ? "" : haproxyVersion;
  }

  public AgentId id() {
    return AgentId.of(agentId);
  }

  public RegisteredAgent withGroups(List<String> newGroups) {
    return new RegisteredAgent(agentId, address, haproxyVersion, lbGroups, newGroups);
  }

  public RegisteredAgent withHaproxyVersion(String version) {
    return new RegisteredAgent(agentId, address, version, lbGroups, groups);
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode agent registration", e);
    }
  }

  /** @throws InvalidInputException when the bytes are not a registration */
  public static RegisteredAgent fromJson(byte[] json) {
    try {
      return JSON.readValue(json, RegisteredAgent.class);
    } catch (IOException e) {
      Throwable cause = e.getCause() instanceof InvalidInputException iie ? iie : e;
      throw new InvalidInputException("agent_registration", "malformed: " + cause.getMessage());
    }
  }
}
