package io.zdd.agent.state;

import io.zdd.common.model.Epoch;

/** The highest leader epoch the cluster has issued: a command may not carry a higher one. */
public interface EpochCeiling {
  /** No ceiling: for an agent without ZooKeeper, whose callers are trusted by certificate alone. */
  EpochCeiling NONE = new EpochCeiling() {
    @Override
    public void check(Epoch epoch) {
    }

    @Override
    public Epoch current() {
      throw new io.zdd.common.error.PreconditionException(
          "this agent has no ZooKeeper (--zk-connect), so it cannot tell the cluster's leader epoch");
    }
  };

  /**
   * Refuses an epoch no leader was given.
   *
   * @throws io.zdd.common.error.InvalidInputException when {@code epoch} was never issued
   * @throws io.zdd.common.error.UnavailableException when the issued epoch cannot be read now
   */
  void check(Epoch epoch);

  /** The leader epoch the cluster holds right now, read fresh. */
  Epoch current();
}
