package io.zdd.common.model;

/** Identity of one lb-agent (one HAProxy host); defaults to the host name. */
public record AgentId(String value) implements Comparable<AgentId> {
  public AgentId {
    Validation.name("agent_id", value);
  }

  public static AgentId of(String value) {
    return new AgentId(value);
  }

  @Override
  public int compareTo(AgentId o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
