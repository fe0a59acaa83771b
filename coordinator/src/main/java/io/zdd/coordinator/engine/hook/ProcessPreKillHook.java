package io.zdd.coordinator.engine.hook;

import io.zdd.common.model.Validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.InvalidInputException;
import io.zdd.coordinator.engine.DeploymentOptions;
import io.zdd.coordinator.engine.port.PreKillHook;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs declared pre-kill hooks as processes: no shell, argv is the executable alone, the
 * environment is replaced by a fixed {@code PATH} and {@code ZDD_HOOK=<name>} (the coordinator's
 * credentials never reach a hook), and the input is {@code {"oldApp": …, "taskIds": […],
 * "newApp": …}} on stdin, from a private temporary file. Output goes to a discarded sink (hooks
 * can be chatty; the exit code is the answer). A hook that cannot start, or runs past the
 * timeout (it and its children are killed), counts as a failure (-1).
 */
public final class ProcessPreKillHook implements PreKillHook {
  private static final Logger log = LoggerFactory.getLogger(ProcessPreKillHook.class);
  static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Path> hooks;
  private final Duration timeout;

  public ProcessPreKillHook(Map<String, Path> hooks, Duration timeout) {
    this.hooks = Map.copyOf(hooks);
    this.timeout = timeout;
  }

  /**
   * Parses {@code --hook NAME=/absolute/path} declarations, refusing a bad name, a relative path,
   * a missing or non-executable file, or one anybody may rewrite.
   */
  public static Map<String, Path> parse(List<String> declarations) {
    Map<String, Path> out = new LinkedHashMap<>();
    for (String d : declarations) {
      int eq = d.indexOf('=');
      String name = eq < 0 ? d : d.substring(0, eq);
      if (eq < 0 || !DeploymentOptions.HOOK_NAME.matcher(name).matches()) {
        throw new InvalidInputException("--hook", "expected NAME=/absolute/path with NAME of [A-Za-z0-9_.-], got '"
            + Validation.printable(d) + "'");
      }
      Path exe = Path.of(d.substring(eq + 1));
      if (!exe.isAbsolute()) {
        throw new InvalidInputException("--hook", name + ": the path must be absolute, got " + exe);
      }
      if (!Files.isRegularFile(exe) || !Files.isExecutable(exe)) {
        throw new InvalidInputException("--hook", name + ": " + exe + " is not an executable file");
      }
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(exe);
        if (perms.contains(PosixFilePermission.OTHERS_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)) {
          throw new InvalidInputException("--hook", name + ": " + exe + " is writable by others ("
              + PosixFilePermissions.toString(perms) + ")");
        }
      } catch (IOException e) {
        throw new InvalidInputException("--hook", name + ": cannot read the permissions of " + exe);
      }
      if (out.put(name, exe) != null) {
        throw new InvalidInputException("--hook", name + ": declared twice");
      }
    }
    return out;
  }

  @Override
  public Set<String> names() {
    return hooks.keySet();
  }

  @Override
  public int run(String name, String oldAppJson, String taskIdsJson, String newAppJson) {
    Path exe = hooks.get(name);
    if (exe == null) {
      log.warn("pre-kill hook {} is not declared on this coordinator (declared: {})", name, hooks.keySet());
      return -1;
    }
    Path input;
    try {
      input = Files.createTempFile("zdd-hook", ".json",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(input, payload(oldAppJson, taskIdsJson, newAppJson), StandardCharsets.UTF_8);
    } catch (IOException e) {
      log.warn("pre-kill hook {}: cannot write its input: {}", name, e.getMessage());
      return -1;
    }
    try {
      ProcessBuilder pb = new ProcessBuilder(List.of(exe.toString()))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectInput(input.toFile());
      pb.environment().clear();
      pb.environment().put("PATH", PATH);
      pb.environment().put("ZDD_HOOK", name);
      return await(name, pb);
    } finally {
      try {
        Files.deleteIfExists(input);
      } catch (IOException e) {
        log.debug("hook input {} not deleted: {}", input, e.toString());
      }
    }
  }

  private int await(String name, ProcessBuilder pb) {
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      log.warn("pre-kill hook {} could not start: {}", name, e.getMessage());
      return -1;
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        log.warn("pre-kill hook {} ran past {} and was killed", name, timeout);
        return -1;
      }
      int code = p.exitValue();
      log.info("pre-kill hook {} exited with {}", name, code);
      return code;
    } catch (InterruptedException e) {
      // The leader is stopping: no exit code, so no decision (a -1 would start a rollback).
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      try {
        p.waitFor(2, TimeUnit.SECONDS);
      } catch (InterruptedException again) {
        log.debug("interrupted again while reaping pre-kill hook {}", name);
      }
      Thread.currentThread().interrupt();
      throw new CancellationException("pre-kill hook " + name + " stopped: the coordinator is stopping");
    }
  }

  private static String payload(String oldAppJson, String taskIdsJson, String newAppJson) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.set("oldApp", JSON.readTree(oldAppJson));
    n.set("taskIds", JSON.readTree(taskIdsJson));
    n.set("newApp", JSON.readTree(newAppJson));
    return n.toString();
  }
}
