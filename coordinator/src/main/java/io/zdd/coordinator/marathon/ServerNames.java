package io.zdd.coordinator.marathon;

import java.util.regex.Pattern;

/**
 * marathon-lb's HAProxy server names, to read stats of LBs marathon-lb configures. zdd's own
 * names (what its agents use) come from {@link io.zdd.coordinator.engine.ServerNames}.
 */
public final class ServerNames {
  private static final Pattern NOT_MLB = Pattern.compile("[^a-zA-Z0-9\\-]");

  private ServerNames() {}

  /**
   * marathon-lb's server name: {@code host_port} when the agent host string
   * equals the IP, else {@code host_ip_port}, with every character outside {@code [a-zA-Z0-9-]}
   * turned into {@code _} (so dots in names and IPs become underscores, as zdd.py expects). Unlike
   * zdd.py, the ip and port here are the ones the task is really reached on, so IP-per-task and
   * multi-port apps get the names marathon-lb writes.
   */
  public static String legacy(String host, String ip, int port) {
    String raw = host.equals(ip) ? host + "_" + port : host + "_" + ip + "_" + port;
    return NOT_MLB.matcher(raw).replaceAll("_");
  }
}
