package io.zdd.agent.haproxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The child processes of HAProxy's master, read from {@code /proc/<pid>/task/<tid>/children}:
 * a reload forks new workers and old ones exit, so a changed set is how the reload watcher
 * notices one without asking the master CLI. Reading it is a few system calls in this process
 * and costs HAProxy nothing. Works only when the master is in this process's pid namespace (and
 * the kernel has {@code CONFIG_PROC_CHILDREN}); {@link #of} says whether it does.
 */
public final class MasterChildren {
  private final Path tasks;

  private MasterChildren(Path tasks) {
    this.tasks = tasks;
  }

  /**
   * The reader for {@code masterPid}, if {@code /proc} shows that process with {@code worker}
   * among its children: a pid from the master CLI of an HAProxy in another pid namespace names a
   * different process here (or none), and must not be trusted.
   */
  public static Optional<MasterChildren> of(Path procRoot, int masterPid, int worker) {
    MasterChildren c = new MasterChildren(procRoot.resolve(Integer.toString(masterPid)).resolve("task"));
    return c.read().filter(pids -> pids.contains(worker)).map(pids -> c);
  }

  /** The children's pids now, or empty when the process is gone or {@code /proc} cannot tell. */
  public Optional<Set<Integer>> read() {
    Set<Integer> pids = new TreeSet<>();
    // Every thread's list: a child belongs to the thread that forked it.
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      for (Path thread : threads) {
        String text = Files.readString(thread.resolve("children"), StandardCharsets.US_ASCII);
        for (String pid : text.trim().split("\\s+")) {
          if (!pid.isEmpty()) {
            pids.add(Integer.parseInt(pid));
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.of(pids);
  }

  @Override
  public String toString() {
    return tasks.getParent().toString();
  }
}
