package io.zdd.deploy.marathon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the operating system says runs, independent of the scheduler's memory: live processes whose
 * environment (read from {@code /proc/PID/environ}) holds a given variable. Zombies have an empty
 * environment and do not count.
 */
final class OsProcesses {
  private OsProcesses() {}

  static List<Long> withEnv(String name, String value) {
    String wanted = name + "=" + value;
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(p -> environ(p.pid()).contains(wanted))
        .map(ProcessHandle::pid)
        .sorted()
        .toList();
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
        && Files.exists(Path.of("/proc/" + pid)) && !state(pid).startsWith("Z");
  }

  private static List<String> environ(long pid) {
    try {
      byte[] bytes = Files.readAllBytes(Path.of("/proc/" + pid + "/environ"));
      return List.of(new String(bytes, StandardCharsets.UTF_8).split("\0"));
    } catch (IOException e) {
      return List.of(); // gone, or not ours to read
    }
  }

  private static String state(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2);
    } catch (IOException e) {
      return "X";
    }
  }
}
