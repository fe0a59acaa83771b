package io.zdd.coordinator.engine.port;

import java.util.Set;

/**
 * zdd.py's {@code --pre-kill-hook}, as configuration: executables declared by name on the
 * coordinator, run before each kill with the old app JSON, the task ids and the new app JSON. A
 * non-zero exit code rolls the deployment back. Callers name a hook; they never give a path.
 */
public interface PreKillHook {
  /** The names of the declared hooks. */
  Set<String> names();

  /**
   * Runs hook {@code name}; its exit code, or -1 when it is unknown, cannot start or times out.
   * Throws {@link java.util.concurrent.CancellationException} (no decision) when the calling thread
   * is interrupted because the leader is stopping; the hook's processes are killed first.
   */
  int run(String name, String oldAppJson, String taskIdsJson, String newAppJson);
}
