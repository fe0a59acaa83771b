package io.zdd.agent.haproxy;

import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.UnavailableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master CLI ({@code -S}): process list, reloads, and commands routed to one worker by pid
 * ({@code @!<pid>}), which is the only way to read an old worker's counters after a reload.
 */
public final class MasterCli {
  private static final Logger log = LoggerFactory.getLogger(MasterCli.class);
  private static final String NO_TARGET = "Can't find the target PID";

  private final Path socket;
  private final Duration timeout;

  public MasterCli(Path socket, Duration timeout) {
    this.socket = socket;
    this.timeout = timeout;
  }

  public MasterCli(Path socket) {
    this(socket, HaproxyRuntimeClient.DEFAULT_TIMEOUT);
  }

  public Path socket() {
    return socket;
  }

  /**
   * {@code show proc}. While the master re-executes itself for a reload it drops CLI connections
   * for a moment (measured: "connection reset"), so a failed attempt is retried until the
   * deadline.
   */
  public ProcTable showProc() {
    long deadline = System.nanoTime() + timeout.toNanos();
    UnavailableException last = null;
    while (System.nanoTime() < deadline) {
      try {
        return ProcTable.parse(send("show proc", Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))));
      } catch (UnavailableException e) {
        last = e;
        sleepQuietly(20);
      }
    }
    throw new DeadlineExceededException("master CLI " + socket + " did not answer 'show proc' within "
        + timeout + (last == null ? "" : ": " + last.getMessage()));
  }

  /**
   * Asks the master to reload. HAProxy 2.6 answers nothing and closes the connection while it
   * re-executes, so this only sends; {@link #reloadAndWait} tells whether it worked.
   */
  public void reload() {
    try {
      send("reload", timeout);
    } catch (UnavailableException e) {
      // The master closes (sometimes resets) the connection as it re-executes.
      log.debug("master CLI closed the connection on reload: {}", e.getMessage());
    }
  }

  /** How a reload ended. */
  public record ReloadOutcome(boolean succeeded, ProcTable before, ProcTable after) {
    public int newWorkerPid() {
      return after.currentPid();
    }
  }

  /**
   * Reloads and waits until {@code show proc} shows a new current worker (success) or a grown
   * failed-reload counter (failure). 2.6 has no synchronous reload status.
   */
  public ReloadOutcome reloadAndWait(Duration wait) {
    ProcTable before = showProc();
    reload();
    return awaitReload(before, wait);
  }

  /** Waits for the outcome of a reload started after {@code before} was read. */
  public ReloadOutcome awaitReload(ProcTable before, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    ProcTable now = before;
    while (System.nanoTime() < deadline) {
      try {
        ProcTable seen = showProc();
        now = seen;
        if (seen.failedReloads() > before.failedReloads()) {
          return new ReloadOutcome(false, before, seen);
        }
        if (seen.masterReloads() > before.masterReloads() && seen.currentPid() != 0
            && before.currentWorkers().stream().noneMatch(p -> p.pid() == seen.currentPid())) {
          return new ReloadOutcome(true, before, seen);
        }
      } catch (UnavailableException | DeadlineExceededException e) {
        log.debug("show proc during reload: {}", e.getMessage());
      }
      sleepQuietly(25);
    }
    throw new DeadlineExceededException("HAProxy reload did not finish within " + wait
        + " (master reloads " + now.masterReloads() + ", failed " + now.failedReloads() + ")");
  }

  /** {@code show info} of one worker, current or old; empty when the process is gone. */
  public Optional<HaproxyInfo> showInfo(int pid) {
    return onWorker(pid, "show info").map(r -> {
      if (!r.contains("Pid:")) {
        throw HaproxyCommandException.of("show info", r);
      }
      return HaproxyInfo.parse(r);
    });
  }

  /** Server rows of one worker ({@code show stat -1 4 -1}); empty when the process is gone. */
  public Optional<List<StatRow>> showServerStats(int pid) {
    return showStat(pid, "-1");
  }

  /** Server rows of one backend in one worker; empty when the process is gone. */
  public Optional<List<StatRow>> showServerStats(int pid, String backend) {
    return showStat(pid, RuntimeArgs.proxy("backend", backend));
  }

  private Optional<List<StatRow>> showStat(int pid, String proxy) {
    String cmd = "show stat " + proxy + " 4 -1";
    return onWorker(pid, cmd).map(r -> {
      if (!r.startsWith("#")) {
        throw HaproxyCommandException.of(cmd, r);
      }
      return StatCsv.parse(r);
    });
  }

  /**
   * Cuts every session of one server in one worker (old workers included: the stats socket
   * cannot reach them). False when the worker is gone or does not have that server.
   */
  public boolean shutdownSessions(int pid, String backend, String server) {
    String cmd = "shutdown sessions server " + RuntimeArgs.proxy("backend", backend) + "/"
        + RuntimeArgs.server("server.name", server);
    Optional<String> reply = onWorker(pid, cmd);
    if (reply.isEmpty()) {
      return false;
    }
    String r = reply.get().strip();
    if (r.isEmpty()) {
      return true;
    }
    if (r.startsWith("Proxy is disabled")) {
      // A soft-stopping worker has disabled its proxies and refuses the per-server command
      // (measured on 2.6.12); its streams can still be cut one by one.
      return shutdownStreams(pid, backend, server) > 0;
    }
    HaproxyCommandException e = HaproxyCommandException.of(cmd, r);
    if (e instanceof NoSuchServerException) {
      return false;
    }
    throw e;
  }

  private static final Pattern STREAM_ID = Pattern.compile("0x[0-9a-fA-F]{1,16}");

  /** {@code show sess} in one worker, then {@code shutdown session <id>} for each stream on the server. */
  private int shutdownStreams(int pid, String backend, String server) {
    Optional<String> sessions = onWorker(pid, "show sess");
    if (sessions.isEmpty()) {
      return 0;
    }
    int cut = 0;
    String be = " be=" + backend + " ";
    String srv = " srv=" + server + " ";
    for (String line : sessions.get().split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0 || !line.contains(be) || !line.contains(srv)) {
        continue;
      }
      String id = line.substring(0, colon).strip();
      if (!STREAM_ID.matcher(id).matches()) {
        continue;
      }
      Optional<String> r = onWorker(pid, "shutdown session " + id);
      if (r.isPresent() && r.get().isBlank()) {
        cut++;
      }
    }
    return cut;
  }

  private Optional<String> onWorker(int pid, String command) {
    String reply = send("@!" + RuntimeArgs.pid(pid) + " " + command, timeout);
    if (reply.startsWith(NO_TARGET)) {
      return Optional.empty();
    }
    return Optional.of(reply);
  }

  private String send(String line, Duration t) {
    RuntimeArgs.line(line);
    return UnixSocketExchange.exchange(socket, line, t);
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted", e);
    }
  }
}
