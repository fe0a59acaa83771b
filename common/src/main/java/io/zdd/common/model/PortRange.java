package io.zdd.common.model;

/** An inclusive port range such as {@code 31000-32000}. */
public record PortRange(int first, int last) {
  public PortRange {
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException("port range must satisfy 1 <= first <= last <= 65535, got " + first + "-" + last);
    }
  }

  /** Parses {@code FIRST-LAST}; the message names the bad text. */
  public static PortRange parse(String text) {
    String[] parts = text.trim().split("-");
    if (parts.length != 2) {
      throw new IllegalArgumentException("port range must look like 31000-32000, got '" + text + "'");
    }
    try {
      return new PortRange(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port range must look like 31000-32000, got '" + text + "'", e);
    }
  }

  public boolean contains(int port) {
    return port >= first && port <= last;
  }

  public int size() {
    return last - first + 1;
  }

  @Override
  public String toString() {
    return first + "-" + last;
  }
}
