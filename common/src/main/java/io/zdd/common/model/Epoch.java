package io.zdd.common.model;

/**
 * The leader epoch: bumped in ZooKeeper each time a coordinator becomes leader. Agents refuse
 * commands stamped with an epoch lower than the highest they have accepted.
 */
public record Epoch(long value) implements Comparable<Epoch> {
  public static final Epoch ZERO = new Epoch(0);

  public Epoch {
    Validation.nonNegative("epoch", value);
  }

  public static Epoch of(long value) {
    return new Epoch(value);
  }

  public boolean isOlderThan(Epoch other) {
    return value < other.value;
  }

  public Epoch next() {
    return new Epoch(value + 1);
  }

  @Override
  public int compareTo(Epoch o) {
    return Long.compare(value, o.value);
  }

  @Override
  public String toString() {
    return Long.toString(value);
  }
}
