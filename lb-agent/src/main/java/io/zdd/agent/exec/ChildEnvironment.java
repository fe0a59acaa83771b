package io.zdd.agent.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the agent's children inherit: a fixed {@code PATH} and {@code LANG=C} instead of the
 * agent's environment (which may hold credentials), and, for long-running children such as
 * HAProxy, none of the agent's ambient capabilities (the agent may hold {@code CAP_NET_ADMIN} for
 * the port swap; HAProxy must not).
 */
public final class ChildEnvironment {
  static final String PATH = "/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  private ChildEnvironment() {}

  /** Replaces the environment the process would inherit. */
  public static ProcessBuilder scrub(ProcessBuilder pb) {
    pb.environment().clear();
    pb.environment().put("PATH", PATH);
    pb.environment().put("LANG", "C");
    return pb;
  }

  /**
   * {@code command}, prefixed so it starts without ambient or inheritable capabilities when this
   * process has ambient ones ({@code CapAmb} in {@code /proc/self/status}); as is otherwise.
   */
  public static List<String> withoutAmbientCapabilities(List<String> command) {
    return withoutAmbientCapabilities(command, readStatus(), Files.isExecutable(SETPRIV));
  }

  static List<String> withoutAmbientCapabilities(List<String> command, String procStatus, boolean setprivAvailable) {
    if (!hasAmbientCapabilities(procStatus)) {
      return List.copyOf(command);
    }
    if (!setprivAvailable) {
      throw new IllegalStateException("the agent holds ambient capabilities and " + SETPRIV
          + " (util-linux) is missing, so HAProxy would inherit them; install util-linux");
    }
    List<String> out = new ArrayList<>(List.of(SETPRIV.toString(), "--inh-caps=-all", "--ambient-caps=-all", "--"));
    out.addAll(command);
    return out;
  }

  /** True when this process's effective uid is 0. */
  public static boolean runsAsRoot() {
    for (String line : readStatus().split("\n")) {
      if (line.startsWith("Uid:")) {
        String[] ids = line.substring(4).trim().split("\\s+");
        return ids.length > 1 && ids[1].equals("0");
      }
    }
    return false;
  }

  /** True when {@code /etc/passwd} has the account. */
  public static boolean userExists(String user) {
    try {
      return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith(user + ":"));
    } catch (IOException e) {
      return false;
    }
  }

  static boolean hasAmbientCapabilities(String procStatus) {
    for (String line : procStatus.split("\n")) {
      if (line.startsWith("CapAmb:")) {
        return !line.substring("CapAmb:".length()).trim().matches("0+");
      }
    }
    return false;
  }

  private static String readStatus() {
    try {
      return Files.readString(Path.of("/proc/self/status"));
    } catch (IOException e) {
      return "";
    }
  }
}
