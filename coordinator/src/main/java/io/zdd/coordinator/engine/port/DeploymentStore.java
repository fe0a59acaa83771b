package io.zdd.coordinator.engine.port;

import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.DeploymentRecord;
import java.util.List;
import java.util.Optional;

/**
 * Where deployment records live. The engine saves the record before every action it takes
 * (persist-before-act), so a new leader can load it and carry on from the same step.
 */
public interface DeploymentStore {
  /** Replaces the group's current record. */
  void save(DeploymentRecord record);

  /** The group's current record (running or the last one finished), if any. */
  Optional<DeploymentRecord> load(GroupName group);

  /** Appends a finished deployment to the group's history. */
  void appendHistory(DeploymentRecord record);

  /** Finished deployments of a group, oldest first. */
  List<DeploymentRecord> history(GroupName group);
}
