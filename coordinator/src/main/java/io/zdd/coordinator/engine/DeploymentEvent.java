package io.zdd.coordinator.engine;

import java.time.Instant;
import java.util.List;

/**
 * One thing that happened in a deployment, with the deployment's state after it.
 *
 * @param sequence position in this engine instance's event stream, from 1
 * @param killedTaskIds for TASKS_KILLED, the Marathon task ids killed
 * @param drain per-LB drain progress at the time of the event (empty when not draining)
 * @param traffic traffic share per colour as configured at the time of the event
 */
public record DeploymentEvent(
    long sequence,
    Instant at,
    EventKind kind,
    String message,
    DeploymentRecord deployment,
    List<String> killedTaskIds,
    List<LbDrainProgress> drain,
    List<TrafficShare> traffic) {
  public DeploymentEvent {
    killedTaskIds = List.copyOf(killedTaskIds);
    drain = List.copyOf(drain);
    traffic = List.copyOf(traffic);
  }
}
