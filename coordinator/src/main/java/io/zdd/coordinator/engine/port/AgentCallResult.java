package io.zdd.coordinator.engine.port;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.ApplyResult;
import java.util.Optional;

/**
 * One agent's answer to a fleet-wide call: the read-back on success, or why it failed (unreachable,
 * deadline, refused). A failure on one agent never hides the answers of the others.
 */
public record AgentCallResult(AgentId agent, Optional<ApplyResult> applied, String error) {
  public AgentCallResult {
    applied = applied == null ? Optional.empty() : applied;
    error = error == null ? "" : error;
  }

  public static AgentCallResult ok(AgentId agent, ApplyResult result) {
    return new AgentCallResult(agent, Optional.ofNullable(result), "");
  }

  public static AgentCallResult ok(AgentId agent) {
    return new AgentCallResult(agent, Optional.empty(), "");
  }

  public static AgentCallResult failed(AgentId agent, String error) {
    return new AgentCallResult(agent, Optional.empty(), error == null || error.isEmpty() ? "failed" : error);
  }

  public boolean ok() {
    return error.isEmpty();
  }
}
