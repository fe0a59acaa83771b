package io.zdd.agent.haproxy;

import io.zdd.common.model.AdminState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of {@code show servers state}: the runtime truth about weight, admin state and address
 * (the same format HAProxy reads back from a server-state file).
 */
public record ServerStateRow(
    String backend,
    String server,
    String address,
    int port,
    int operationalState,
    int adminBits,
    int userWeight,
    int initialWeight) {

  /**
   * srv_admin_state bits (server-t.h) that keep a server out of service: forced, inherited and
   * DNS maintenance. Not 0x04 (CMAINT, "disabled" in the config): HAProxy sets it together with
   * 0x01 and keeps it after {@code state ready} although the server is back in service (measured
   * on 2.6.12: admin 4, op state 2, status "no check").
   */
  private static final int MAINT_BITS = 0x01 | 0x02 | 0x20;
  /** Forced and inherited drain. */
  private static final int DRAIN_BITS = 0x08 | 0x10;

  public AdminState adminState() {
    if ((adminBits & MAINT_BITS) != 0) {
      return AdminState.MAINT;
    }
    if ((adminBits & DRAIN_BITS) != 0) {
      return AdminState.DRAIN;
    }
    return AdminState.READY;
  }

  /** Parses the whole reply (version line, {@code #} header, rows), by header name. */
  public static List<ServerStateRow> parse(String text) {
    List<ServerStateRow> rows = new ArrayList<>();
    String[] header = null;
    for (String line : text.split("\r?\n")) {
      String l = line.strip();
      if (l.isEmpty()) {
        continue;
      }
      if (l.startsWith("#")) {
        header = l.substring(1).strip().split("\\s+");
        continue;
      }
      if (header == null) {
        continue; // the format version line ("1")
      }
      String[] cells = l.split("\\s+");
      Map<String, String> f = new LinkedHashMap<>();
      for (int i = 0; i < header.length && i < cells.length; i++) {
        f.put(header[i], cells[i]);
      }
      rows.add(new ServerStateRow(
          f.getOrDefault("be_name", ""),
          f.getOrDefault("srv_name", ""),
          f.getOrDefault("srv_addr", ""),
          num(f.get("srv_port")),
          num(f.get("srv_op_state")),
          num(f.get("srv_admin_state")),
          num(f.get("srv_uweight")),
          num(f.get("srv_iweight"))));
    }
    return rows;
  }

  private static int num(String s) {
    if (s == null || s.isEmpty() || s.equals("-")) {
      return 0;
    }
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
