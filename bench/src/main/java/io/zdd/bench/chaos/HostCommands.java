package io.zdd.bench.chaos;

import io.zdd.agent.exec.CommandRunner;
import io.zdd.agent.exec.ProcessCommandRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The soak's host commands (kill, mount, umount, ip) through the agent's {@link ProcessCommandRunner}:
 * absolute paths, argument lists, no shell; the arguments are numbers, constants and the soak's own
 * paths.
 */
final class HostCommands {
  private static final CommandRunner RUNNER = new ProcessCommandRunner();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private HostCommands() {}

  static void run(String... command) throws IOException {
    output(command);
  }

  /** Runs {@code command} and returns its standard output. */
  static String output(String... command) throws IOException {
    CommandRunner.Result r = RUNNER.run(List.of(command), TIMEOUT);
    if (!r.ok()) {
      throw new IOException(String.join(" ", command) + " failed (exit " + r.exitCode() + "): " + r.message());
    }
    return r.stdout();
  }

  /** Sends {@code signal} (a name such as STOP) to {@code pid}. */
  static void signal(String signal, long pid) throws IOException {
    run("/bin/kill", "-" + signal, Long.toString(pid));
  }
}
