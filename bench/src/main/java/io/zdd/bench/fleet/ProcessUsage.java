package io.zdd.bench.fleet;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * CPU time and memory of one process from Linux's {@code /proc/<pid>/stat} and
 * {@code /proc/<pid>/status}.
 *
 * @param cpuSeconds utime + stime: the process's own threads
 * @param childCpuSeconds cutime + cstime: its children that exited and were waited for
 * @param rssKib resident set (VmRSS)
 * @param peakRssKib its high-water mark (VmHWM)
 * @param threads threads right now
 */
record ProcessUsage(double cpuSeconds, double childCpuSeconds, long rssKib, long peakRssKib, int threads) {
  private static final double TICKS_PER_SECOND = ticksPerSecond();

  static Optional<ProcessUsage> of(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
      // Fields after the command name, which is in parentheses and may contain spaces.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
      double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
      double children = (Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS_PER_SECOND;
      List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII);
      return Optional.of(new ProcessUsage(cpu, children, kib(status, "VmRSS:"), kib(status, "VmHWM:"),
          (int) kib(status, "Threads:")));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // gone meanwhile
    }
  }

  /**
   * CPU seconds (utime + stime) of the threads of {@code pid} named {@code threadName} (Linux keeps
   * the first 15 characters of a thread's name), 0 when there are none.
   */
  static double threadCpuSeconds(long pid, String threadName) {
    String comm = threadName.length() > 15 ? threadName.substring(0, 15) : threadName;
    double sum = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : tasks) {
        try {
          if (!Files.readString(t.resolve("comm"), StandardCharsets.US_ASCII).strip().equals(comm)) {
            continue;
          }
          String stat = Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII);
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return sum;
  }

  /** The command line of a process, arguments separated by spaces; empty when it is gone. */
  static String commandLine(long pid) {
    try {
      byte[] b = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return new String(b, StandardCharsets.UTF_8).replace('\0', ' ').strip();
    } catch (IOException e) {
      return "";
    }
  }

  private static long kib(List<String> status, String field) {
    for (String l : status) {
      if (l.startsWith(field)) {
        return Long.parseLong(l.substring(field.length()).strip().split("\\s+")[0]);
      }
    }
    return 0;
  }

  /** USER_HZ; 100 on every Linux this runs on, asked of getconf when it is there. */
  private static double ticksPerSecond() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return Double.parseDouble(out);
      }
    } catch (IOException | RuntimeException e) {
      // fall through to the usual value
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 100.0;
  }
}
