package io.zdd.agent.haproxy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The master CLI's {@code show proc}: the master (with its reload and failed-reload counters),
 * the current workers and the old workers still soft-stopping.
 */
public record ProcTable(int masterPid, int masterReloads, int failedReloads,
    List<Proc> currentWorkers, List<Proc> oldWorkers) {

  /** One worker row: its pid and how many reloads it has survived. */
  public record Proc(int pid, int reloads, String uptime, String version) {}

  private static final Pattern MASTER =
      Pattern.compile("^(\\d+)\\s+master\\s+(\\d+)(?:\\s+\\[failed:\\s*(\\d+)\\])?.*$");
  private static final Pattern ROW = Pattern.compile("^(\\d+)\\s+(\\S+)\\s+(\\d+)\\s+(\\S+)\\s*(\\S*).*$");

  public ProcTable {
    currentWorkers = List.copyOf(currentWorkers);
    oldWorkers = List.copyOf(oldWorkers);
  }

  /** The newest current worker's pid, or 0 when none is running. */
  public int currentPid() {
    return currentWorkers.stream().mapToInt(Proc::pid).max().orElse(0);
  }

  public static ProcTable parse(String text) {
    int masterPid = 0;
    int reloads = 0;
    int failed = 0;
    List<Proc> current = new ArrayList<>();
    List<Proc> old = new ArrayList<>();
    String section = "";
    for (String raw : text.split("\r?\n")) {
      String line = raw.strip();
      if (line.startsWith("#")) {
        section = line.startsWith("#<") ? "" : line.substring(1).strip();
        continue;
      }
      Matcher m = MASTER.matcher(line);
      if (section.isEmpty() && m.matches()) {
        masterPid = Integer.parseInt(m.group(1));
        reloads = Integer.parseInt(m.group(2));
        failed = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        continue;
      }
      Matcher r = ROW.matcher(line);
      if (!r.matches() || !r.group(2).equals("worker")) {
        continue; // programs, blank lines
      }
      Proc p = new Proc(Integer.parseInt(r.group(1)), Integer.parseInt(r.group(3)), r.group(4), r.group(5));
      if (section.equals("workers")) {
        current.add(p);
      } else if (section.equals("old workers")) {
        old.add(p);
      }
    }
    if (masterPid == 0) {
      throw new io.zdd.common.error.UnavailableException(
          "master CLI 'show proc' answer has no master row: " + text.lines().findFirst().orElse(""));
    }
    return new ProcTable(masterPid, reloads, failed, current, old);
  }
}
