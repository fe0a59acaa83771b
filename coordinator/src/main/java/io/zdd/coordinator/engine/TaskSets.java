package io.zdd.coordinator.engine;

import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Pure: which of an app's tasks a deployment's record puts in which role. */
final class TaskSets {
  private TaskSets() {}

  /** Blue tasks still taking traffic: not retired, not killed. */
  static List<String> activeBlue(DeploymentRecord rec, AppStatus blue) {
    Set<String> out = new HashSet<>(rec.retiredTaskIds());
    out.addAll(rec.killedTaskIds());
    return blue.tasks().stream().map(TaskStatus::id).filter(id -> !out.contains(id)).sorted().toList();
  }

  /** Blue tasks not killed yet (retired or not). */
  static List<String> remainingBlue(DeploymentRecord rec, AppStatus blue) {
    return blue.tasks().stream().map(TaskStatus::id).filter(id -> !rec.killedTaskIds().contains(id)).sorted().toList();
  }

  /** Serving tasks of {@code app} not yet confirmed UP on every LB (and not killed). */
  static Set<String> unadmittedServing(DeploymentRecord rec, AppStatus app) {
    Set<String> out = new TreeSet<>();
    for (TaskStatus t : app.tasks()) {
      if (t.serving() && !rec.admittedTaskIds().contains(t.id()) && !rec.killedTaskIds().contains(t.id())) {
        out.add(t.id());
      }
    }
    return out;
  }

  /** The tasks of {@code ids} that {@code app} still has, by id. */
  static Map<String, TaskStatus> present(Optional<AppStatus> app, List<String> ids) {
    Map<String, TaskStatus> out = new TreeMap<>();
    app.ifPresent(a -> ids.forEach(id -> a.task(id).ifPresent(t -> out.put(id, t))));
    return out;
  }

  /** Marathon reports the task as being killed or gone already. */
  static boolean alreadyKilled(TaskStatus t) {
    return switch (t.state()) {
      case "TASK_KILLING", "TASK_KILLED", "TASK_FINISHED", "TASK_FAILED", "TASK_LOST", "TASK_GONE", "TASK_DROPPED",
          "TASK_GONE_BY_OPERATOR" -> true;
      default -> false;
    };
  }

  static List<String> union(List<String> a, Collection<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }
}
