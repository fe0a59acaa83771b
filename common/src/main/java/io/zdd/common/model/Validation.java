package io.zdd.common.model;

import io.zdd.common.error.InvalidInputException;
import java.util.regex.Pattern;

/** Checks shared by the records; each failure names the field it is about. */
public final class Validation {
  /** Names that end up in HAProxy config, runtime commands and ZooKeeper paths. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  /** host:port as zdd addresses agents and coordinators: a name or IP literal, nothing else. */
  private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.\\-\\[\\]:]{1,255}:\\d{1,5}");

  private Validation() {}

  public static String name(String field, String value) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new InvalidInputException(field,
          "must be 1-64 characters of [A-Za-z0-9_.-], got '" + printable(value) + "'");
    }
    return value;
  }

  /**
   * A network namespace name: a {@link #name} that is also a plain file name under
   * /var/run/netns, where {@code ip netns} and HAProxy open it (so never "." or "..").
   */
  public static String netns(String field, String value) {
    name(field, value);
    if (value.startsWith(".")) {
      throw new InvalidInputException(field, "must not start with '.', got '" + value + "'");
    }
    return value;
  }

  /** Whether {@code value} is a plain {@code host:port} (never a URL, options or spaces). */
  public static boolean isHostPort(String value) {
    return value != null && HOST_PORT.matcher(value).matches();
  }

  public static String hostPort(String field, String value) {
    if (!isHostPort(value)) {
      throw new InvalidInputException(field, "must be host:port, got '" + printable(value) + "'");
    }
    return value;
  }

  public static int port(String field, int value) {
    if (value < 1 || value > 65535) {
      throw new InvalidInputException(field, "port must be 1..65535, got " + value);
    }
    return value;
  }

  public static int weight(String field, int value) {
    if (value < 0 || value > 256) {
      throw new InvalidInputException(field, "weight must be 0..256, got " + value);
    }
    return value;
  }

  /** A configured limit: {@code min..max}, so a typo cannot switch a bound off or make it useless. */
  public static int within(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new InvalidInputException(field, "must be " + min + ".." + max + ", got " + value);
    }
    return value;
  }

  public static long nonNegative(String field, long value) {
    if (value < 0) {
      throw new InvalidInputException(field, "must not be negative, got " + value);
    }
    return value;
  }

  /** Keeps hostile input from forging log lines or flooding them. */
  /** A value fit to quote in an error: at most 80 characters, control characters as {@code ?}. */
  public static String printable(String value) {
    if (value == null) {
      return "null";
    }
    String cut = value.length() > 80 ? value.substring(0, 80) + "…" : value;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
