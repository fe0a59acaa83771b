package io.zdd.agent.haproxy;

import io.zdd.common.error.ZddException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the master's {@code show proc} and notices every reload, including ones the agent did
 * not make ({@code kill -USR2}, systemd, an operator): when the current worker changes, the
 * desired weights and states are re-asserted at run time, group by group, each under its own
 * lock ({@link HaproxyBackendController#reassert}). A group busy with a change is not waited for
 * (beyond a short bound): it is re-asserted at a later poll, and the new worker counts as
 * re-asserted only once every group has been. Also promotes servers whose first check passed,
 * tracks old workers until they exit and, with {@link RemovalPolicy#DELETE_WHEN_IDLE}, deletes
 * retired servers once idle; those skip a busy group until the next poll too. A busy group is not
 * a failed poll: only HAProxy not answering is.
 */
public final class ReloadWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReloadWatcher.class);

  private final MasterCli master;
  private final HaproxyBackendController controller;
  private final HaproxyConnectionSampler sampler;
  private final ScheduledExecutorService executor;
  private final Duration interval;
  private final AtomicLong reloadsSeen = new AtomicLong();
  private volatile int currentPid;
  private volatile Set<Integer> oldWorkers = Set.of();
  private volatile long lastGoodPoll = System.nanoTime();
  private volatile String lastProblem = "no poll yet";
  private ScheduledFuture<?> task;

  public ReloadWatcher(MasterCli master, HaproxyBackendController controller, HaproxyConnectionSampler sampler,
      ScheduledExecutorService executor, Duration interval) {
    this.master = master;
    this.controller = controller;
    this.sampler = sampler;
    this.executor = executor;
    this.interval = interval;
  }

  public synchronized void start() {
    if (task == null) {
      task = executor.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Reloads noticed since start (the first observation does not count). */
  public long reloadsSeen() {
    return reloadsSeen.get();
  }

  /** Pid of the current worker whose state has been re-asserted. */
  public int currentPid() {
    return currentPid;
  }

  /** Old workers still alive at the last poll. */
  public Set<Integer> oldWorkers() {
    return oldWorkers;
  }

  /**
   * Why HAProxy is not healthy, or empty: the master must have answered a poll (and the current
   * worker's state been re-asserted) within {@code maxAge}.
   */
  public Optional<String> problem(Duration maxAge) {
    long age = System.nanoTime() - lastGoodPoll;
    if (age <= maxAge.toNanos()) {
      return Optional.empty();
    }
    return Optional.of("HAProxy has not answered for " + age / 1_000_000 + " ms: " + lastProblem);
  }

  /** One poll; public so tests and the agent's shutdown path can run it synchronously. */
  public void tick() {
    try {
      ProcTable procs = master.showProc();
      int pid = procs.currentPid();
      if (pid != 0 && (pid != currentPid || controller.runtimeStale())) {
        // Also on the first poll: HAProxy may have been reloaded while nobody watched. And after
        // a roll-back that could not finish (HAProxy stopped answering), once it answers again.
        HaproxyBackendController.Reassertion r = controller.reassert();
        if (!r.busy().isEmpty()) {
          // Again at the next poll, every group (the others cost a look and no command).
          log.debug("re-asserting for worker {}: group(s) {} busy with a change, again at the next poll", pid,
              r.busy());
        } else {
          if (pid == currentPid) {
            log.info("HAProxy answers again; re-asserted desired state with {} runtime commands", r.commands());
          } else if (currentPid != 0) {
            reloadsSeen.incrementAndGet();
            log.info("HAProxy reloaded (worker {} -> {}); re-asserted desired state with {} runtime commands",
                currentPid, pid, r.commands());
          }
          // Only after every group was re-asserted: a failure or a busy group is retried at the next poll.
          currentPid = pid;
        }
      }
      int promoted = controller.promoteHealthy();
      if (promoted > 0) {
        log.info("{} server(s) passed their first health check and now take traffic", promoted);
      }
      Set<Integer> old = new TreeSet<>();
      procs.oldWorkers().forEach(p -> old.add(p.pid()));
      for (Integer gone : oldWorkers) {
        if (!old.contains(gone)) {
          log.info("old HAProxy worker {} exited", gone);
        }
      }
      oldWorkers = Set.copyOf(old);
      lastGoodPoll = System.nanoTime();
      lastProblem = "";
      controller.purgeRetiredServers(sampler::idleEverywhere);
    } catch (ZddException e) {
      lastProblem = e.getMessage();
      log.warn("reload watcher poll failed: {}", e.getMessage());
    } catch (RuntimeException e) {
      // Never let an exception cancel the periodic task.
      log.error("reload watcher poll failed", e);
    }
  }

  @Override
  public synchronized void close() {
    if (task != null) {
      task.cancel(false);
      task = null;
    }
  }
}
