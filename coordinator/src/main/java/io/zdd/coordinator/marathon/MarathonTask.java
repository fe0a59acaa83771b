package io.zdd.coordinator.marathon;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One Marathon task as zdd needs it.
 *
 * @param id task id, never blank
 * @param appId id of the app the task belongs to (filled from the app when the reply omits it)
 * @param host the agent the task runs on, as Marathon wrote it (a name or an IP); empty if Marathon
 *     has not placed it yet
 * @param ports host ports, in port-index order (empty for IP-per-task apps)
 * @param ipAddresses the task's own addresses ({@code ipAddresses[].ipAddress}), first is primary
 * @param state Mesos state, e.g. {@code TASK_RUNNING}; Marathon 1.4 replies leave it out
 * @param healthCheckAlive {@code alive} of each health-check result, in order
 * @param startedAt when the task started running, if it has
 */
public record MarathonTask(
    String id,
    String appId,
    String host,
    List<Integer> ports,
    List<String> ipAddresses,
    Optional<String> state,
    List<Boolean> healthCheckAlive,
    Optional<Instant> startedAt) {

  /** States in which marathon-lb leaves a task out of its backend. */
  private static final List<String> NOT_SERVING = List.of(
      "TASK_STAGING", "TASK_STARTING", "TASK_KILLING", "TASK_FINISHED", "TASK_FAILED",
      "TASK_KILLED", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR",
      "TASK_UNKNOWN");

  public MarathonTask {
    Objects.requireNonNull(id, "id");
    appId = appId == null ? "" : appId;
    host = host == null ? "" : host;
    ports = List.copyOf(ports);
    ipAddresses = List.copyOf(ipAddresses);
    state = state == null ? Optional.empty() : state;
    healthCheckAlive = List.copyOf(healthCheckAlive);
    startedAt = startedAt == null ? Optional.empty() : startedAt;
  }

  /**
   * Whether Marathon's health checks pass: at least one result and every result alive. Apps without
   * health checks have no results; ask {@link MarathonApp#hasHealthChecks()} first.
   */
  public boolean healthCheckPassing() {
    return !healthCheckAlive.isEmpty() && !healthCheckAlive.contains(Boolean.FALSE);
  }

  /**
   * Whether the task can serve traffic as far as its state and placement tell: it has a host and a
   * state that is running (or no state, as in Marathon 1.4 replies, where listed tasks are running).
   */
  public boolean running() {
    return !host.isEmpty() && state.map(s -> !NOT_SERVING.contains(s)).orElse(true);
  }
}
