package io.zdd.coordinator.engine;

import io.zdd.common.model.AgentId;
import java.util.List;
import java.util.Map;

/**
 * What a deployment would do, computed without changing anything ({@code --dry-run}, {@code zdd
 * plan}). The calls assume every drain finishes and every task gets healthy; the real run waits
 * for both.
 *
 * @param greenAppJson the definition that would be posted; empty when green already exists
 * @param lbChanges per agent, one line per change in order (the same for every LB)
 * @param gates the analysis and webhooks that would gate the deployment, in words; empty for none
 */
public record DeploymentPlan(
    PreparedDeployment prepared,
    String greenAppJson,
    List<PlannedCall> marathonCalls,
    Map<AgentId, List<String>> lbChanges,
    List<String> gates) {
  public DeploymentPlan {
    marathonCalls = List.copyOf(marathonCalls);
    lbChanges = Map.copyOf(lbChanges);
    gates = List.copyOf(gates);
  }

  public DeploymentPlan(PreparedDeployment prepared, String greenAppJson, List<PlannedCall> marathonCalls,
      Map<AgentId, List<String>> lbChanges) {
    this(prepared, greenAppJson, marathonCalls, lbChanges, List.of());
  }

  DeploymentPlan withGates(List<String> lines) {
    return new DeploymentPlan(prepared, greenAppJson, marathonCalls, lbChanges, lines);
  }
}
