package io.zdd.coordinator.engine.port;

/**
 * zdd.py's {@code --pre-kill-hook}: an executable run before each kill with the old app JSON, the
 * task ids as a JSON list and the new app JSON. A non-zero exit code rolls the deployment back.
 */
public interface PreKillHook {
  int run(String hook, String oldAppJson, String taskIdsJson, String newAppJson);
}
