package io.zdd.coordinator.engine.port;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Marathon app as read back, with its tasks.
 *
 * @param servicePorts Marathon's service ports, resolved by the adapter from {@code ports},
 *     {@code portDefinitions} or the port mappings (zdd.py only read {@code ports})
 * @param lastScalingAt {@code versionInfo.lastScalingAt}; informational only — the engine never
 *     decides anything from it (that is what stalled zdd.py)
 * @param json the app as Marathon returned it (handed to the pre-kill hook)
 */
public record AppStatus(
    String id,
    int instances,
    Map<String, String> labels,
    boolean deploymentsInProgress,
    List<TaskStatus> tasks,
    List<Integer> servicePorts,
    Optional<Instant> lastScalingAt,
    ObjectNode json) {
  public AppStatus {
    labels = Map.copyOf(labels == null ? Map.of() : labels);
    tasks = List.copyOf(tasks == null ? List.of() : tasks);
    servicePorts = List.copyOf(servicePorts == null ? List.of() : servicePorts);
    lastScalingAt = lastScalingAt == null ? Optional.empty() : lastScalingAt;
    json = json == null ? JsonNodeFactory.instance.objectNode() : json.deepCopy();
  }

  public Optional<String> label(String name) {
    return Optional.ofNullable(labels.get(name));
  }

  public Optional<TaskStatus> task(String taskId) {
    return tasks.stream().filter(t -> t.id().equals(taskId)).findFirst();
  }
}
