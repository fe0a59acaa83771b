package io.zdd.coordinator.marathon;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** HAProxy server names for tasks: marathon-lb's (to interoperate) and zdd's own. */
public final class ServerNames {
  /** zdd names end up in HAProxy config, runtime commands and ZooKeeper paths. */
  public static final int MAX_LENGTH = 64;

  private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_.-]{1," + MAX_LENGTH + "}");
  private static final Pattern NOT_ALLOWED = Pattern.compile("[^A-Za-z0-9_.-]");
  private static final Pattern NOT_MLB = Pattern.compile("[^a-zA-Z0-9\\-]");
  private static final int HASH_HEX = 16;

  private ServerNames() {}

  /**
   * marathon-lb's server name (zdd-py.md §1.5): {@code host_port} when the agent host string
   * equals the IP, else {@code host_ip_port}, with every character outside {@code [a-zA-Z0-9-]}
   * turned into {@code _} (so dots in names and IPs become underscores, as zdd.py expects). Unlike
   * zdd.py, the ip and port here are the ones the task is really reached on, so IP-per-task and
   * multi-port apps get the names marathon-lb writes (zdd-py.md §6.3 item 4).
   */
  public static String legacy(String host, String ip, int port) {
    String raw = host.equals(ip) ? host + "_" + port : host + "_" + ip + "_" + port;
    return NOT_MLB.matcher(raw).replaceAll("_");
  }

  /**
   * zdd's server name for port {@code portIndex} of a task: the task id itself when it is already
   * 1-64 characters of {@code [A-Za-z0-9_.-]} and the port index is 0 (the common case, readable
   * in HAProxy's stats). Otherwise the sanitised, truncated id plus {@code -} and 16 hex digits of
   * SHA-256 over the exact id and port index, so distinct tasks keep distinct names however they
   * sanitise or truncate, and the same task always gets the same name.
   */
  public static String forTask(String taskId, int portIndex) {
    if (taskId == null || taskId.isEmpty()) {
      throw new IllegalArgumentException("task id must not be empty");
    }
    if (portIndex < 0) {
      throw new IllegalArgumentException("port index must not be negative");
    }
    if (portIndex == 0 && ALLOWED.matcher(taskId).matches()) {
      return taskId;
    }
    String sanitised = NOT_ALLOWED.matcher(taskId).replaceAll("_");
    int keep = MAX_LENGTH - 1 - HASH_HEX;
    String prefix = sanitised.length() > keep ? sanitised.substring(0, keep) : sanitised;
    return prefix + "-" + hash(taskId + "\n" + portIndex);
  }

  private static String hash(String s) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_HEX);
    } catch (NoSuchAlgorithmException e) {
      // Every JDK ships SHA-256 (it is a required algorithm).
      throw new IllegalStateException(e);
    }
  }
}
