package io.zdd.agent.haproxy;

import io.zdd.agent.exec.CommandRunner;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a new {@code zdd.cfg} in place safely: temp file in the same directory, fsync,
 * {@code haproxy -c} on base + temp, atomic rename with a last-good copy, and optionally a reload
 * through the master CLI confirmed by a new worker in {@code show proc}. Any failure restores the
 * last-good file (and reloads back to it when a bad config already went live). Not thread-safe on
 * its own: its one user, {@link HaproxyBackendController}, calls {@link #apply} and {@link #write}
 * only under its file lock, so config writes and reloads never interleave (and {@link #current} is
 * read there too).
 */
public final class HaproxyConfigApplier {
  private static final Logger log = LoggerFactory.getLogger(HaproxyConfigApplier.class);

  private final HaproxyPaths paths;
  private final CommandRunner runner;
  private final MasterCli master;
  private final HaproxyRuntimeClient runtime;
  private final Optional<Path> serverStateFile;
  private final Duration checkTimeout;
  private final Duration reloadTimeout;
  private final Supplier<String> haproxyOutput;

  /**
   * @param serverStateFile where to dump {@code show servers state} before a reload (the file
   *     named by {@code server-state-file} in the base config), if any
   * @param haproxyOutput HAProxy's recent output, quoted when a reload fails (empty if unknown)
   */
  public HaproxyConfigApplier(HaproxyPaths paths, CommandRunner runner, MasterCli master,
      HaproxyRuntimeClient runtime, Optional<Path> serverStateFile, Duration checkTimeout,
      Duration reloadTimeout, Supplier<String> haproxyOutput) {
    this.paths = paths;
    this.runner = runner;
    this.master = master;
    this.runtime = runtime;
    this.serverStateFile = serverStateFile;
    this.checkTimeout = checkTimeout;
    this.reloadTimeout = reloadTimeout;
    this.haproxyOutput = haproxyOutput;
  }

  public Path lastGoodPath() {
    return paths.zddConfig().resolveSibling(paths.zddConfig().getFileName() + ".lkg");
  }

  /** The config currently in place. */
  public String current() {
    try {
      return Files.exists(paths.zddConfig()) ? Files.readString(paths.zddConfig()) : "";
    } catch (IOException e) {
      throw new UnavailableException("cannot read " + paths.zddConfig() + ": " + e.getMessage(), e);
    }
  }

  /** The base config HAProxy loads before {@code zdd.cfg} (read again each time: its owner may rewrite it). */
  public String baseConfig() {
    try {
      return Files.exists(paths.baseConfig()) ? Files.readString(paths.baseConfig()) : "";
    } catch (IOException e) {
      throw new UnavailableException("cannot read " + paths.baseConfig() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Validates and installs {@code config}; reloads when {@code reload} is true. Nothing happens
   * when the file already has these bytes and no reload is asked for.
   *
   * @throws InvalidInputException with HAProxy's message when {@code haproxy -c} refuses it
   * @throws PreconditionException when the reload failed (the last-good config keeps serving)
   */
  public void apply(String config, boolean reload) {
    try {
      if (!reload && config.equals(current())) {
        return;
      }
      Path live = paths.zddConfig();
      Path tmp = live.resolveSibling(live.getFileName() + ".tmp");
      writeSynced(tmp, config);
      validate(tmp);
      Path lkg = lastGoodPath();
      if (Files.exists(live)) {
        Files.copy(live, lkg, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(tmp, live, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDir(live.getParent());
      if (reload) {
        reloadOrRestore(lkg);
      }
    } catch (IOException e) {
      throw new UnavailableException("cannot write " + paths.zddConfig() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Installs {@code config} without {@code haproxy -c} and without reloading: temp file, fsync,
   * atomic rename. Only for a file whose every proxy and option the running HAProxy already
   * validated and serves, with new server lines rendered from validated values (the background
   * write after server-only changes); the last-good copy is left alone.
   */
  public void write(String config) {
    try {
      Path live = paths.zddConfig();
      Path tmp = live.resolveSibling(live.getFileName() + ".bg-tmp");
      writeSynced(tmp, config);
      Files.move(tmp, live, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDir(live.getParent());
    } catch (IOException e) {
      throw new UnavailableException("cannot write " + paths.zddConfig() + ": " + e.getMessage(), e);
    }
  }

  /** Runs {@code haproxy -c} on the base config plus {@code candidate}; throws with its alerts. */
  public void validate(Path candidate) {
    // No -q: it also silences the ALERT lines that say what is wrong.
    List<String> cmd = List.of(paths.binary().toString(), "-c",
        "-f", paths.baseConfig().toString(), "-f", candidate.toString());
    CommandRunner.Result r = runner.run(cmd, checkTimeout);
    if (!r.ok()) {
      try {
        Files.deleteIfExists(candidate);
      } catch (IOException e) {
        log.debug("cannot remove {}: {}", candidate, e.toString());
      }
      String msg = alerts(r.message());
      log.warn("haproxy -c refused the new config: {}", msg);
      throw new InvalidInputException("haproxy_config", "HAProxy refused the config: " + reason(msg));
    }
  }

  private void reloadOrRestore(Path lkg) throws IOException {
    dumpServerState();
    MasterCli.ReloadOutcome outcome;
    try {
      outcome = master.reloadAndWait(reloadTimeout);
    } catch (DeadlineExceededException e) {
      restore(lkg);
      throw new PreconditionException("HAProxy reload did not complete: " + e.getMessage(), e);
    }
    if (!outcome.succeeded()) {
      // The old worker keeps serving the old config: put the old file back so disk matches it.
      restore(lkg);
      String out = alerts(haproxyOutput.get());
      log.warn("HAProxy reload failed (failed reloads: {}): {}", outcome.after().failedReloads(), out);
      throw new PreconditionException("HAProxy reload failed (failed reloads: "
          + outcome.after().failedReloads() + ")" + (out.isEmpty() ? "" : ": " + reason(out)));
    }
    int pid = outcome.newWorkerPid();
    if (!awaitStatsSocketOn(pid)) {
      // A new worker started but does not answer: go back to the last good config.
      restore(lkg);
      master.reloadAndWait(reloadTimeout);
      throw new PreconditionException("new HAProxy worker " + pid + " did not answer on "
          + paths.statsSocket() + "; restored the last good config");
    }
    log.info("HAProxy reloaded; new worker pid {}", pid);
  }

  private boolean awaitStatsSocketOn(int pid) {
    long deadline = System.nanoTime() + reloadTimeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (runtime.showInfo().pid() == pid) {
          return true;
        }
      } catch (RuntimeException e) {
        log.debug("stats socket not on new worker yet: {}", e.getMessage());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  /** Keeps runtime-only state (drain) across the reload; failure here must not block a reload. */
  private void dumpServerState() {
    if (serverStateFile.isEmpty()) {
      return;
    }
    try {
      // Whole or not at all: another writer's reload (Marathon-LB's, in attach mode) may read the
      // file at any moment, and a half-written one loses every server's state.
      Path file = serverStateFile.get();
      String dump = runtime.dumpServersState();
      if (!dump.matches("(?s)\\d+\\n.*")) {
        // Not a state dump (HAProxy answered something else mid-reload): keep the last good one.
        log.warn("server state dump does not start with its version line; keeping {}", file);
        return;
      }
      Path tmp = file.resolveSibling(file.getFileName() + ".zdd-tmp");
      writeSynced(tmp, dump);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (RuntimeException | IOException e) {
      log.warn("cannot dump server state before reload: {}", e.toString());
    }
  }

  private void restore(Path lkg) throws IOException {
    if (Files.exists(lkg)) {
      Path tmp = lkg.resolveSibling(lkg.getFileName() + ".restore");
      Files.copy(lkg, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, paths.zddConfig(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDir(paths.zddConfig().getParent());
      log.warn("restored last good config {}", paths.zddConfig());
    }
  }

  private static void writeSynced(Path file, String text) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
  }

  private static void syncDir(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
      log.debug("directory fsync not supported on {}: {}", dir, e.toString());
    }
  }

  /** HAProxy's ALERT lines (the reason), or the whole text when it has none; bounded. */
  /**
   * What the caller is told: HAProxy's first alert, without its pid prefix and with file paths
   * cut to their names, at most 300 characters; the whole output is in the agent's log.
   */
  static String reason(String alerts) {
    String first = alerts.lines().findFirst().orElse("").replaceFirst("^\\[ALERT\\]\\s*\\(\\d+\\)\\s*:\\s*", "")
        .replaceAll("/[^\\s\\]:]*/([^/\\s\\]:]+)", "$1");
    String more = alerts.lines().count() > 1 ? " (more in the agent's log)" : "";
    return (first.length() > 300 ? first.substring(0, 300) + "…" : first) + more;
  }

  static String alerts(String text) {
    String a = text.lines().filter(l -> l.contains("[ALERT]")).map(String::strip)
        .collect(Collectors.joining("\n"));
    String s = a.isEmpty() ? text.strip() : a;
    return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
  }
}
