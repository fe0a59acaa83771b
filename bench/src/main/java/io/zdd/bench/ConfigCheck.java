package io.zdd.bench;

import io.zdd.agent.exec.CommandRunner;
import io.zdd.agent.exec.ProcessCommandRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A bare {@code haproxy -c} of the agent's base config plus its zdd.cfg, the same check the agent
 * runs before it writes a new config. Timed on its own it shows how much of an apply is this one
 * program start.
 */
final class ConfigCheck {
  private final CommandRunner runner = new ProcessCommandRunner();
  private final List<String> command;

  ConfigCheck(Path haproxyBin, Path baseConfig, Path zddConfig) {
    this.command = List.of(haproxyBin.toString(), "-c", "-f", baseConfig.toString(), "-f", zddConfig.toString());
  }

  /** Runs the check once and returns how long it took; fails loudly if HAProxy rejects the files. */
  long timeOnceNanos() {
    long t0 = System.nanoTime();
    CommandRunner.Result r = runner.run(command, Duration.ofSeconds(10));
    long took = System.nanoTime() - t0;
    if (!r.ok()) {
      throw new IllegalStateException("haproxy -c failed (" + r.exitCode() + "): " + r.message());
    }
    return took;
  }
}
