package io.zdd.agent.haproxy;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code show info} of one process, by field name. */
public record HaproxyInfo(Map<String, String> fields) {
  public HaproxyInfo {
    fields = Map.copyOf(fields);
  }

  public static HaproxyInfo parse(String text) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String line : text.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        f.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
      }
    }
    return new HaproxyInfo(f);
  }

  public String field(String name) {
    return fields.getOrDefault(name, "");
  }

  private long num(String name) {
    try {
      return Long.parseLong(field(name));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** OS pid of the answering worker. */
  public int pid() {
    return (int) num("Pid");
  }

  public String version() {
    return field("Version");
  }

  /** Client-side connections open in that process. */
  public long currentConnections() {
    return num("CurrConns");
  }

  /** True in an old worker that is soft-stopping after a reload. */
  public boolean stopping() {
    return num("Stopping") == 1;
  }

  public long uptimeSeconds() {
    return num("Uptime_sec");
  }
}
