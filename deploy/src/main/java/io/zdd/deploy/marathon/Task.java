package io.zdd.deploy.marathon;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

/** One task (instance) of an app. Mutable; guarded by the {@link LocalMarathon} lock. */
final class Task {
  final String id;
  final String instanceId;
  final String appId;
  /** The app's {@code version} when the task was launched. */
  final String version;
  /** The app's {@code lastConfigChangeAt} at launch: tasks with an older one are replaced. */
  final String configVersion;
  final List<Integer> ports;
  final List<Integer> servicePorts;
  final Instant stagedAt;
  final Path sandbox;
  final Map<String, String> env;
  final List<HealthState> health = new ArrayList<>();
  final List<Future<?>> timers = new ArrayList<>();

  TaskState state = TaskState.TASK_STAGING;
  Instant startedAt;
  Process process;
  ProcessTree tree;
  String exitMessage = "";

  Task(
      String id,
      String instanceId,
      String appId,
      String version,
      String configVersion,
      List<Integer> ports,
      List<Integer> servicePorts,
      Instant stagedAt,
      Path sandbox,
      Map<String, String> env,
      int healthCheckCount) {
    this.id = id;
    this.instanceId = instanceId;
    this.appId = appId;
    this.version = version;
    this.configVersion = configVersion;
    this.ports = List.copyOf(ports);
    this.servicePorts = List.copyOf(servicePorts);
    this.stagedAt = stagedAt;
    this.sandbox = sandbox;
    this.env = Map.copyOf(env);
    for (int i = 0; i < healthCheckCount; i++) {
      health.add(new HealthState());
    }
  }

  boolean isActive() {
    return state == TaskState.TASK_STAGING || state == TaskState.TASK_RUNNING;
  }

  /** Running and, if the app has health checks, alive in every one of them. */
  boolean isReady() {
    return state == TaskState.TASK_RUNNING && health.stream().allMatch(h -> Boolean.TRUE.equals(h.alive));
  }

  boolean isUnhealthy() {
    return state == TaskState.TASK_RUNNING && health.stream().anyMatch(h -> Boolean.FALSE.equals(h.alive));
  }

  void cancelTimers() {
    timers.forEach(t -> t.cancel(false));
    timers.clear();
  }
}
