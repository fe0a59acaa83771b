package io.zdd.agent.state;

import io.zdd.common.model.Epoch;

/** The highest leader epoch the cluster has issued: a command may not carry a higher one. */
@FunctionalInterface
public interface EpochCeiling {
  /** No ceiling: for an agent without ZooKeeper, whose callers are trusted by certificate alone. */
  EpochCeiling NONE = epoch -> { };

  /**
   * Refuses an epoch no leader was given.
   *
   * @throws io.zdd.common.error.InvalidInputException when {@code epoch} was never issued
   * @throws io.zdd.common.error.UnavailableException when the issued epoch cannot be read now
   */
  void check(Epoch epoch);
}
