package io.zdd.agent.haproxy;

import java.util.Map;

/**
 * One row of {@code show stat}, read by column name. Typed accessors cover what the agent uses;
 * {@link #field} reaches any other column. Missing or empty numeric fields read as 0.
 */
public record StatRow(Map<String, String> fields) {
  /** {@code type} column values. */
  public static final int FRONTEND = 0;
  public static final int BACKEND = 1;
  public static final int SERVER = 2;
  public static final int LISTENER = 3;

  public StatRow {
    fields = Map.copyOf(fields);
  }

  public String field(String name) {
    return fields.getOrDefault(name, "");
  }

  public long longField(String name) {
    String v = field(name);
    if (v.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  public String proxy() {
    return field("pxname");
  }

  public String name() {
    return field("svname");
  }

  /** Row type; when a dump lacks the column, derived from svname like HAProxy does. */
  public int type() {
    String t = field("type");
    if (!t.isEmpty()) {
      return (int) longField("type");
    }
    return switch (name()) {
      case "FRONTEND" -> FRONTEND;
      case "BACKEND" -> BACKEND;
      default -> SERVER;
    };
  }

  public boolean isServer() {
    return type() == SERVER;
  }

  public int qcur() {
    return (int) longField("qcur");
  }

  public int scur() {
    return (int) longField("scur");
  }

  public long stot() {
    return longField("stot");
  }

  public String status() {
    return field("status");
  }

  public int weight() {
    return (int) longField("weight");
  }

  /** Last check result without the "* " that marks a check in progress. */
  public String checkStatus() {
    String s = field("check_status");
    return s.startsWith("* ") ? s.substring(2) : s;
  }

  /** "ip:port" of a server; empty on HAProxy versions without the column. */
  public String addr() {
    return field("addr");
  }
}
