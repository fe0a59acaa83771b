package io.zdd.agent.haproxy;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.zdd.common.error.ZddException;
import java.nio.file.Path;
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
 * Notices every reload, including ones the agent did not make ({@code kill -USR2}, systemd, an
 * operator): when the current worker changes, the desired weights and states are re-asserted at
 * run time, group by group, each under its own lock ({@link HaproxyBackendController#reassert}).
 * A group busy with a change is not waited for (beyond a short bound): it is re-asserted at a
 * later poll, and the new worker counts as re-asserted only once every group has been. Also
 * promotes servers whose first check passed, tracks old workers until they exit and, with
 * {@link RemovalPolicy#DELETE_WHEN_IDLE}, deletes retired servers once idle; those skip a busy
 * group until the next tick too. A busy group is not a failed poll: only HAProxy not answering is.
 *
 * <p>Two ways to notice a reload. {@link Detection#POLL}: the master CLI's {@code show proc}
 * every tick. {@link Detection#PROCFS}, for an idle agent to cost HAProxy nothing: every tick
 * reads the master's children from {@code /proc} ({@link MasterChildren}; a reload forks a
 * worker, an old worker's exit removes one) and runs the full {@code show proc} poll only when
 * they changed, while a reload is not yet fully re-asserted, and at least every {@code backstop}
 * (so a master that hangs or stops answering still fails {@link #problem} in time). The master's
 * pid comes from {@code show proc} and is trusted only when {@code /proc} shows the current worker
 * as its child; otherwise (HAProxy in another pid namespace) the full poll runs every
 * {@code backstop} only.
 */
public final class ReloadWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReloadWatcher.class);

  /** How a reload is noticed (see the class comment). */
  public enum Detection {
    POLL,
    PROCFS
  }

  private final MasterCli master;
  private final HaproxyBackendController controller;
  private final HaproxyConnectionSampler sampler;
  private final ScheduledExecutorService executor;
  private final Duration interval;
  private final Detection detection;
  private final Duration backstop;
  private final Path procRoot;
  private final AtomicLong fullPolls = new AtomicLong();
  /** One tick at a time: the executor's and a caller's own ({@link #tick} is public). */
  private final Object tickLock = new Object();
  private volatile Optional<MasterChildren> children = Optional.empty();
  @GuardedBy("tickLock")
  private Set<Integer> childrenAtLastPoll = Set.of();
  @GuardedBy("tickLock")
  private long lastPollStarted = System.nanoTime();
  /** The last full poll succeeded and its current worker is re-asserted. */
  @GuardedBy("tickLock")
  private boolean settled;
  private final AtomicLong reloadsSeen = new AtomicLong();
  private volatile int currentPid;
  private volatile Set<Integer> oldWorkers = Set.of();
  private volatile long lastGoodPoll = System.nanoTime();
  private volatile String lastProblem = "no poll yet";
  private ScheduledFuture<?> task;

  /** Polls {@code show proc} every {@code interval} ({@link Detection#POLL}). */
  public ReloadWatcher(MasterCli master, HaproxyBackendController controller, HaproxyConnectionSampler sampler,
      ScheduledExecutorService executor, Duration interval) {
    this(master, controller, sampler, executor, interval, Detection.POLL, interval, Path.of("/proc"));
  }

  /**
   * @param interval between two ticks
   * @param backstop with {@link Detection#PROCFS}, the longest time without a full poll
   * @param procRoot where {@code /proc} is (a test may point elsewhere)
   */
  public ReloadWatcher(MasterCli master, HaproxyBackendController controller, HaproxyConnectionSampler sampler,
      ScheduledExecutorService executor, Duration interval, Detection detection, Duration backstop, Path procRoot) {
    this.master = master;
    this.controller = controller;
    this.sampler = sampler;
    this.executor = executor;
    this.interval = interval;
    this.detection = detection;
    this.backstop = backstop;
    this.procRoot = procRoot;
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

  /** Full {@code show proc} polls run so far (for tests and the idle-cost benchmark). */
  public long fullPolls() {
    return fullPolls.get();
  }

  /** True when reloads are noticed through {@code /proc} right now (else by polling the master CLI). */
  public boolean watchingProcfs() {
    return children.isPresent();
  }

  /** One tick; public so tests and the agent's shutdown path can run it synchronously. */
  public void tick() {
    synchronized (tickLock) {
      tickLocked();
    }
  }

  @GuardedBy("tickLock")
  private void tickLocked() {
    if (detection == Detection.POLL) {
      poll();
      return;
    }
    Optional<Set<Integer>> now = children.flatMap(MasterChildren::read);
    boolean backstopDue = System.nanoTime() - lastPollStarted >= backstop.toNanos();
    if (now.isEmpty()) {
      if (children.isPresent()) {
        log.info("HAProxy master {} no longer shows in /proc; polling its CLI until it is found again", children.get());
        children = Optional.empty();
      }
      // Not yet found (or in another pid namespace): the master CLI every tick until the first
      // good poll, then at the backstop pace.
      if (!settled || backstopDue) {
        poll();
      } else {
        maintain();
      }
      return;
    }
    if (!settled || backstopDue || controller.runtimeStale() || !now.get().equals(childrenAtLastPoll)) {
      poll();
    } else {
      maintain();
    }
  }

  /** Between full polls: promotions and purges, which cost nothing while none is pending. */
  private void maintain() {
    try {
      int promoted = controller.promoteHealthy();
      if (promoted > 0) {
        log.info("{} server(s) passed their first health check and now take traffic", promoted);
      }
      controller.purgeRetiredServers(sampler::idleEverywhere);
    } catch (ZddException e) {
      log.debug("promotion or purge skipped until the next tick: {}", e.getMessage());
    } catch (RuntimeException e) {
      log.error("reload watcher tick failed", e);
    }
  }

  /** The full poll: {@code show proc}, re-assertion after a reload, old workers, promotions, purges. */
  @GuardedBy("tickLock")
  private void poll() {
    lastPollStarted = System.nanoTime();
    fullPolls.incrementAndGet();
    settled = false;
    // Read before the master CLI: a reload in between changes the set again and is polled next tick.
    Optional<Set<Integer>> before = children.flatMap(MasterChildren::read);
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
      if (detection == Detection.PROCFS && children.isEmpty() && pid != 0) {
        children = MasterChildren.of(procRoot, procs.masterPid(), pid);
        children.ifPresent(c -> log.info("watching HAProxy master {} in /proc for reloads", c));
        before = children.flatMap(MasterChildren::read);
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
      settled = pid != 0 && pid == currentPid;
      childrenAtLastPoll = before.orElse(Set.of());
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
