package io.zdd.coordinator.engine;

import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.port.DeploymentStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A store in memory: for a single coordinator without ZooKeeper, and for tests. Thread-safe. */
public final class InMemoryDeploymentStore implements DeploymentStore {
  private final Map<GroupName, DeploymentRecord> current = new HashMap<>();
  private final Map<GroupName, List<DeploymentRecord>> history = new HashMap<>();

  @Override
  public synchronized void save(DeploymentRecord record) {
    current.put(record.group(), record);
  }

  @Override
  public synchronized Optional<DeploymentRecord> load(GroupName group) {
    return Optional.ofNullable(current.get(group));
  }

  @Override
  public synchronized void appendHistory(DeploymentRecord record) {
    history.computeIfAbsent(record.group(), g -> new ArrayList<>()).add(record);
  }

  @Override
  public synchronized List<DeploymentRecord> history(GroupName group) {
    return List.copyOf(history.getOrDefault(group, List.of()));
  }
}
