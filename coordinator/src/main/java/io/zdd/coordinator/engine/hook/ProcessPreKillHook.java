package io.zdd.coordinator.engine.hook;

import io.zdd.coordinator.engine.port.PreKillHook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs zdd.py's pre-kill hook as a process: argv = [hook, oldAppJson, taskIdsJson, newAppJson], no
 * shell. Output goes to a discarded sink (hooks can be chatty; the exit code is the answer). A
 * hook that cannot start, or runs past the timeout (it is killed), counts as a failure (-1).
 */
public final class ProcessPreKillHook implements PreKillHook {
  private static final Logger log = LoggerFactory.getLogger(ProcessPreKillHook.class);

  private final Duration timeout;

  public ProcessPreKillHook(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public int run(String hook, String oldAppJson, String taskIdsJson, String newAppJson) {
    Path exe = Path.of(hook);
    if (!Files.isExecutable(exe)) {
      log.warn("pre-kill hook {} is not an executable file", hook);
      return -1;
    }
    ProcessBuilder pb = new ProcessBuilder(List.of(hook, oldAppJson, taskIdsJson, newAppJson))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      log.warn("pre-kill hook {} could not start: {}", hook, e.getMessage());
      return -1;
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        log.warn("pre-kill hook {} ran past {} and was killed", hook, timeout);
        return -1;
      }
      int code = p.exitValue();
      log.info("pre-kill hook {} exited with {}", hook, code);
      return code;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
