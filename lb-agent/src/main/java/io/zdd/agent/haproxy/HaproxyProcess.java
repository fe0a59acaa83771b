package io.zdd.agent.haproxy;

import io.zdd.agent.exec.ChildEnvironment;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.UnavailableException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HAProxy in master-worker mode: either started and supervised here (own run directory with
 * sockets, pid file, base config and log), or attached to by socket paths. A supervised HAProxy
 * is a long-lived child, which {@code CommandRunner} (run-to-completion) cannot host, so it is
 * started here with an argument list and no shell.
 *
 * <p>An agent that died hard (kill -9) leaves its HAProxy running, bound to the service ports and
 * still serving. The next agent on the same run directory adopts that master (found through the
 * pid file and checked to be ours by its command line) instead of starting a second one beside
 * it: traffic is not interrupted and exactly one HAProxy serves the ports.
 */
public final class HaproxyProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HaproxyProcess.class);
  private static final int LOG_TAIL = 4096;

  private final HaproxyPaths paths;
  private final Optional<ProcessHandle> master;
  private final Optional<Path> logFile;
  private final HaproxyRuntimeClient runtime;
  private final MasterCli masterCli;

  private HaproxyProcess(HaproxyPaths paths, Optional<ProcessHandle> master, Optional<Path> logFile,
      Duration cmdTimeout) {
    this.paths = paths;
    this.master = master;
    this.logFile = logFile;
    this.runtime = new HaproxyRuntimeClient(paths.statsSocket(), cmdTimeout);
    this.masterCli = new MasterCli(paths.masterSocket(), cmdTimeout);
  }

  /**
   * Starts {@code haproxy -W -S <runDir>/master.sock -f base.cfg -f zdd.cfg} in the foreground
   * (no daemon, no chroot; workers drop to {@code user haproxy} when the agent is root, see
   * {@link BaseConfig}), without the agent's environment or ambient capabilities, and waits until
   * both sockets answer.
   */
  public static HaproxyProcess start(Path binary, Path runDir, BaseConfig base, Duration startTimeout) {
    if (!runDir.toString().matches("[A-Za-z0-9_./-]+")) {
      // The master socket path goes into "-S <path>,mode,600": no commas, spaces or the like.
      throw new io.zdd.common.error.InvalidInputException("haproxy_run_dir",
          "must be a plain path of [A-Za-z0-9_./-], got " + runDir);
    }
    try {
      Files.createDirectories(runDir);
      Path baseCfg = runDir.resolve("base.cfg");
      Path zddCfg = runDir.resolve("zdd.cfg");
      Path masterSock = runDir.resolve("master.sock");
      Path logFile = runDir.resolve("haproxy.log");
      Files.writeString(baseCfg, base.render());
      base.ensureServerStateFile();
      if (!Files.exists(zddCfg)) {
        Files.writeString(zddCfg, HaproxyConfigRenderer.HEADER);
      }
      HaproxyPaths paths = new HaproxyPaths(binary, baseCfg, zddCfg, base.statsSocket(), masterSock);
      Optional<ProcessHandle> orphan = orphanMaster(runDir.resolve("haproxy.pid"), masterSock);
      if (orphan.isPresent()) {
        HaproxyProcess adopted = new HaproxyProcess(paths, orphan, Optional.of(logFile), HaproxyRuntimeClient.DEFAULT_TIMEOUT);
        try {
          adopted.awaitReady(startTimeout);
          log.warn("adopted HAProxy master pid {} left running in {} by an earlier agent", orphan.get().pid(), runDir);
          return adopted;
        } catch (RuntimeException e) {
          log.warn("HAProxy master pid {} left in {} does not answer ({}); stopping it", orphan.get().pid(), runDir,
              e.getMessage());
          adopted.stop(Duration.ofSeconds(5));
        }
      }
      List<String> cmd = ChildEnvironment.withoutAmbientCapabilities(List.of(binary.toString(), "-W", "-S",
          masterSock + ",mode,600", "-p", runDir.resolve("haproxy.pid").toString(), "-f", baseCfg.toString(),
          "-f", zddCfg.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(runDir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.to(logFile.toFile())); // one file per start: a failed reload quotes this HAProxy only
      ProcessHandle p = ChildEnvironment.scrub(pb).start().toHandle();
      log.info("started HAProxy master pid {} in {}", p.pid(), runDir);
      HaproxyProcess hp = new HaproxyProcess(paths, Optional.of(p), Optional.of(logFile),
          HaproxyRuntimeClient.DEFAULT_TIMEOUT);
      try {
        hp.awaitReady(startTimeout);
      } catch (RuntimeException e) {
        hp.stop(Duration.ofSeconds(5));
        throw e;
      }
      return hp;
    } catch (IOException e) {
      throw new UnavailableException("cannot start HAProxy in " + runDir + ": " + e.getMessage(), e);
    }
  }

  /** Uses an HAProxy someone else runs; {@link #stop} then leaves it alone. */
  public static HaproxyProcess attach(HaproxyPaths paths, Duration commandTimeout) {
    return new HaproxyProcess(paths, Optional.empty(), Optional.empty(), commandTimeout);
  }

  public HaproxyPaths paths() {
    return paths;
  }

  public HaproxyRuntimeClient runtime() {
    return runtime;
  }

  public MasterCli masterCli() {
    return masterCli;
  }

  /** The master's OS pid when supervised here. */
  public Optional<Long> masterPid() {
    return master.map(ProcessHandle::pid);
  }

  /**
   * The HAProxy master an earlier agent started in this run directory, if it is still alive: the
   * pid file names it and its command line carries this directory's master socket (a recycled
   * pid of another program does not).
   */
  static Optional<ProcessHandle> orphanMaster(Path pidFile, Path masterSocket) {
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    try {
      String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
      if (!first.matches("\\d{1,10}")) {
        return Optional.empty();
      }
      Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(first)).filter(ProcessHandle::isAlive);
      Path cmdline = Path.of("/proc", first, "cmdline");
      if (h.isEmpty() || !Files.exists(cmdline)) {
        return Optional.empty();
      }
      String args = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).replace('\0', ' ');
      return args.contains(masterSocket + ",mode,600") ? h : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The last few KiB HAProxy printed (alerts of a failed reload land here), or empty. */
  public String recentOutput() {
    if (logFile.isEmpty() || !Files.exists(logFile.get())) {
      return "";
    }
    try (RandomAccessFile f = new RandomAccessFile(logFile.get().toFile(), "r")) {
      long start = Math.max(0, f.length() - LOG_TAIL);
      byte[] buf = new byte[(int) (f.length() - start)];
      f.seek(start);
      f.readFully(buf);
      return new String(buf, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits until the master lists a current worker and the stats socket answers. */
  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      if (master.isPresent() && !master.get().isAlive()) {
        throw new UnavailableException("HAProxy exited: " + recentOutput());
      }
      try {
        if (Files.exists(paths.statsSocket()) && Files.exists(paths.masterSocket())) {
          ProcTable procs = masterCli.showProc();
          if (procs.currentPid() != 0 && runtime.showInfo().pid() == procs.currentPid()) {
            return;
          }
        }
      } catch (RuntimeException e) {
        last = e;
      }
      sleep(20);
    }
    throw new DeadlineExceededException("HAProxy not ready within " + timeout
        + (last == null ? "" : ": " + last.getMessage()) + " " + recentOutput());
  }

  /**
   * Stops a supervised HAProxy: SIGTERM to the master, which terminates every worker (old ones
   * included); stragglers are killed after the timeout. No-op when attached.
   */
  public void stop(Duration timeout) {
    if (master.isEmpty()) {
      return;
    }
    ProcessHandle p = master.get();
    List<Long> workers = new ArrayList<>();
    p.descendants().forEach(d -> workers.add(d.pid()));
    p.destroy();
    try {
      try {
        p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException slow) {
        log.warn("HAProxy master {} ignored SIGTERM for {}; killing it", p.pid(), timeout);
        p.destroyForcibly();
        p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      for (long pid : workers) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isPresent() && h.get().isAlive()) {
          h.get().destroyForcibly();
          h.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("HAProxy worker did not exit: {}", e.toString());
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(10));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted", e);
    }
  }
}
