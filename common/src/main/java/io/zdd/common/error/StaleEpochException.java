package io.zdd.common.error;

/** A command carried a leader epoch lower than the highest one already accepted. */
public final class StaleEpochException extends ZddException {
  private final long offered;
  private final long highest;

  public StaleEpochException(long offered, long highest) {
    super("epoch " + offered + " is older than the highest accepted epoch " + highest
        + "; the sender is no longer the leader");
    this.offered = offered;
    this.highest = highest;
  }

  public long offered() {
    return offered;
  }

  public long highest() {
    return highest;
  }
}
