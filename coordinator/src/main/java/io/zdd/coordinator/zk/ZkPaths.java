package io.zdd.coordinator.zk;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.GroupName;

/** Every ZooKeeper path zdd uses, in one place (docs/architecture.md, "ZooKeeper layout"). */
public record ZkPaths(String root) {
  public ZkPaths {
    if (root == null || !root.matches("(/[A-Za-z0-9_.-]+)+")) {
      throw new InvalidInputException("zk.root", "must be an absolute ZooKeeper path like /zdd, got '" + root + "'");
    }
  }

  /** LeaderSelector latch; participant id = the coordinator's advertised host:port. */
  public String leader() {
    return root + "/leader";
  }

  /** Leader epoch counter (decimal text), bumped with a versioned setData. */
  public String epoch() {
    return root + "/epoch";
  }

  /** Ephemeral agent registrations. */
  public String agents() {
    return root + "/agents";
  }

  /** Current deployment record of each group. */
  public String deployments() {
    return root + "/deployments";
  }

  public String deployment(GroupName group) {
    return deployments() + "/" + group.value();
  }

  /** Finished deployments of a group, bounded. */
  public String history(GroupName group) {
    return root + "/history/" + group.value();
  }

  /** Per-group mutex: one deployment per group at a time. */
  public String lock(GroupName group) {
    return root + "/locks/" + group.value();
  }
}
