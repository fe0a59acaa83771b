package io.zdd.coordinator.engine;

import io.zdd.coordinator.engine.analysis.CheckResult;
import java.time.Instant;
import java.util.List;

/**
 * One thing that happened in a deployment, with the deployment's state after it.
 *
 * @param sequence position in this engine instance's event stream, from 1
 * @param killedTaskIds for TASKS_KILLED, the Marathon task ids killed
 * @param drain per-LB drain progress at the time of the event (empty when not draining)
 * @param traffic traffic share per colour as configured at the time of the event
 * @param analysis for ANALYSIS, each check's result in the measurement (empty for a decision alone)
 */
public record DeploymentEvent(
    long sequence,
    Instant at,
    EventKind kind,
    String message,
    DeploymentRecord deployment,
    List<String> killedTaskIds,
    List<LbDrainProgress> drain,
    List<TrafficShare> traffic,
    List<CheckResult> analysis) {
  public DeploymentEvent {
    killedTaskIds = List.copyOf(killedTaskIds);
    drain = List.copyOf(drain);
    traffic = List.copyOf(traffic);
    analysis = List.copyOf(analysis);
  }

  public DeploymentEvent(long sequence, Instant at, EventKind kind, String message, DeploymentRecord deployment,
      List<String> killedTaskIds, List<LbDrainProgress> drain, List<TrafficShare> traffic) {
    this(sequence, at, kind, message, deployment, killedTaskIds, drain, traffic, List.of());
  }
}
