package io.zdd.agent.haproxy;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.zdd.agent.core.BackendController;
import io.zdd.common.concurrent.BoundedLock;
import io.zdd.common.concurrent.CallDeadline;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.logging.LogContext;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HaproxyWorker;
import io.zdd.common.model.HealthCheck;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes HAProxy serve the desired backend sets. Server changes go through the runtime API with
 * no reload, in a safe order (a server gets its weight before it enters service and leaves
 * service before its weight drops); a reload happens only when a group's
 * frontends or backend options are new or changed. Every change is also written to
 * {@code zdd.cfg}, so a later reload (ours or anyone's) reproduces it.
 *
 * <p><b>When the file is written</b> ({@link ControllerSettings#configSync}). A change of a
 * group's structure (new group, frontends, backend options) writes the file first, checked by
 * {@code haproxy -c}, under the file lock, then reloads. A change of servers only (the group's
 * {@link GroupLayout#structure} equal in its last set and in the file: weights, admin states,
 * addresses, servers added or removed within its backends) is answered from the runtime API
 * alone: its set goes into {@link #inFile} before its first runtime command, so every later
 * render (another group's write, a reload) carries it, and a background write
 * ({@link ConfigWriteBehind}) brings the file in step, coalescing a burst into one write of the
 * latest render. That write runs no {@code haproxy -c}: the proxies and options are those the
 * running HAProxy was checked with and serves, and the server lines are rendered by zdd from
 * validated values. Such a change never takes the file lock, so it never waits behind another
 * group's file step. With {@link ConfigSync#ALWAYS} every change writes (and checks) first, as
 * structure changes do.
 *
 * <p>What that costs: an agent that dies between a server-only change's runtime commands and
 * its background write restarts from a file with the group's older set (recovered as its desired
 * set and version); the coordinator sees that older version in the agent's read-back and applies
 * the newer set again (the fence admits the same version again). An outside reload in that window
 * starts the new worker from the older file plus the server-state file HAProxy loads, and the
 * reload watcher's re-assertion puts the rest back. Our own reloads render from {@link #inFile},
 * so they always carry every pending set (the pending write then finds the file in step). On
 * shutdown {@link #close} waits, bounded, for the pending write.
 *
 * <p><b>Locking: groups do not wait for each other.</b>
 * <ul>
 *   <li>Each group has its own lock ({@link Group#lock}). It guards the group's runtime work and
 *       state: the runtime commands on its backends, its servers awaiting a first passing check
 *       and its retired servers awaiting deletion; its desired set is only changed under it. A
 *       change, a removal and the reload watcher's re-assertion, promotion and purge of the group
 *       all take it, so they run one at a time per group and never see a half-done change of it.
 *       The agent's edge takes the same lock around fence check, apply and commit
 *       ({@link #withGroup}; reentrant, so the apply inside takes it again without waiting). A
 *       caller waits at most {@link #LOCK_WAIT}, less when its {@link CallDeadline} (the gRPC
 *       deadline) ends first: then it gets DEADLINE_EXCEEDED having changed nothing. Entries live
 *       in {@link #groups} only while their group is managed or someone holds or waits for the
 *       lock, so the map does not grow with every group ever seen.
 *   <li>The file lock ({@link #fileLock}) is shared by all groups and held only for a file step:
 *       render, {@code haproxy -c}, atomic rename and, when a group's structure changes, the
 *       reload, and for the background write; never for runtime commands. Every write renders
 *       from {@link #inFile}, the desired set of every group as {@code zdd.cfg} has it or is
 *       about to: a write for one group always carries each other group's latest set, so the
 *       file never goes back for another group (even one whose change is still converging, or
 *       rolls back). {@link #inFile} has its own small monitor, held only for map updates and
 *       copies, so a server-only change records its set without the file lock.
 *   <li>Order: a group's lock, then the file lock, then {@link #inFile}'s monitor. Nobody holds
 *       two group locks, nobody holding the file lock waits for a group lock, and nobody holding
 *       the monitor takes anything, so they cannot deadlock.
 * </ul>
 *
 * <p>Why a reload (ours, or anyone's) always reproduces each group's runtime state: a group's set
 * is in the file before the first of its runtime commands is sent, and stays there until that
 * group's own next change (or roll-back) rewrites its block. After any reload the reload watcher
 * re-asserts group by group, each under its own lock ({@link #reassert}): a group busy with a
 * change is waited for only briefly ({@link #BACKGROUND_LOCK_WAIT}) and re-asserted at a later
 * poll, once that change is done, so commands that straddled the reload are converged again
 * against the new worker. A runtime command that meets a reload between the look and the act (a
 * server the new worker already has from the file, or no longer has) re-plans once from a fresh
 * look instead of refusing the change.
 */
public final class HaproxyBackendController implements BackendController, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HaproxyBackendController.class);

  /** Bounds how long a change waits behind another of its group (the caller's deadline may bound it sooner). */
  static final Duration LOCK_WAIT = Duration.ofSeconds(30);
  /** Bounds how long a file step waits behind another group's (render, check, write, maybe a reload). */
  static final Duration FILE_LOCK_WAIT = Duration.ofSeconds(30);
  /**
   * How long the reload watcher's work on one group waits for that group's lock before moving on
   * to the next group; the busy one is done at a later poll.
   */
  static final Duration BACKGROUND_LOCK_WAIT = Duration.ofMillis(250);
  /** How long undoing a change's runtime commands may take, whatever the caller's deadline. */
  static final Duration ROLLBACK_BUDGET = Duration.ofSeconds(5);

  private final HaproxyRuntimeClient runtime;
  private final MasterCli master;
  private final HaproxyConfigApplier applier;
  private final HaproxyConfigRenderer renderer;
  private final ControllerSettings settings;
  private final Clock clock;
  /** The groups managed, and the ones someone holds or waits for the lock of; see {@link #enter}. */
  private final ConcurrentMap<GroupName, Group> groups = new ConcurrentHashMap<>();
  private final BoundedLock fileLock = new BoundedLock("the HAProxy config file", FILE_LOCK_WAIT);
  /**
   * Each group's desired set as {@code zdd.cfg} has it (or will once the background write is
   * done): ahead of the group's {@link Group#desired} while a change of it converges. A group's
   * entry changes only while its lock is held too.
   */
  private final FileSets inFile;
  /** Brings the file in step after server-only changes. */
  private final ConfigWriteBehind writer;
  /** A roll-back failed: HAProxy's runtime state may differ from the desired sets until re-asserted. */
  private volatile boolean runtimeStale;
  private volatile String version = "";

  /** A group's desired set, its proxies, and its block of the file (rendered once). */
  record Applied(BackendSet set, Epoch epoch, GroupLayout layout, String block) {}

  /**
   * What a change's file step did: whether it reloaded, the group's block it replaced (for a
   * roll-back), and whether the write was left to the background writer (a server-only change).
   */
  private record FileStep(boolean reloaded, Optional<String> previousBlock, boolean deferred) {
    static final FileStep DEFERRED = new FileStep(false, Optional.empty(), true);
  }

  /** A re-assertion: the runtime commands it sent, and the groups it left for later because a change held them. */
  public record Reassertion(int commands, Set<GroupName> busy) {
    public Reassertion {
      busy = Set.copyOf(busy);
    }
  }

  public HaproxyBackendController(HaproxyRuntimeClient runtime, MasterCli master, HaproxyConfigApplier applier,
      HaproxyConfigRenderer renderer, ControllerSettings settings, Clock clock) {
    this.runtime = runtime;
    this.master = master;
    this.applier = applier;
    this.renderer = renderer;
    this.settings = settings;
    this.clock = clock;
    Map<GroupName, Applied> recovered = recover(applier.current(), renderer);
    this.inFile = new FileSets(recovered);
    recovered.forEach((name, a) -> groups.put(name, new Group(name, a)));
    this.writer = new ConfigWriteBehind(this::writeBehind);
  }

  private Applied applied(BackendSet set, Epoch epoch) {
    return new Applied(set, epoch, GroupLayout.of(set), renderer.renderGroup(set, epoch));
  }

  /** Writes the pending background write, if any (bounded), and stops the writer: on agent shutdown. */
  @Override
  public void close() {
    writer.close();
  }

  /**
   * One group: its lock and the runtime state it guards. Its methods run with the lock held.
   */
  private final class Group {
    final GroupName name;
    final BoundedLock lock;
    /**
     * Callers holding or waiting for {@link #lock}; read and written only inside
     * {@code groups.compute} for this group (see {@link #enter}).
     */
    int users;
    /**
     * The desired set as of the group's last completed change (null: not managed). Written only
     * with {@link #lock} held, so the group's runtime work always starts from it; read without
     * it by readers ({@link #observe}, {@link #desired()}), which never wait behind a change.
     */
    volatile Applied desired;
    /** Servers in DRAIN until their first check passes: "backend/server" to (backend, server). */
    @GuardedBy("lock")
    final Map<String, Map.Entry<String, BackendServer>> awaitingCheck = new LinkedHashMap<>();
    /** "backend/server" of retired servers waiting to be deleted, with when they were first idle. */
    @GuardedBy("lock")
    final Map<String, Optional<Instant>> pendingRemovals = new LinkedHashMap<>();

    Group(GroupName name, Applied desired) {
      this.name = name;
      this.lock = new BoundedLock("group " + name, LOCK_WAIT);
      this.desired = desired;
    }

    /** See {@link HaproxyBackendController#apply}. */
    @GuardedBy("lock")
    ApplyResult apply(BackendSet set, Epoch epoch) {
      Applied prev = desired;
      Applied next = applied(set, epoch);
      long before = HaproxyRuntimeClient.changeCommandsOfThisThread();
      FileStep file;
      if (serversOnly(prev, next)) {
        refuseOutsidePortRange(next.layout());
        // In the file's sets before the first runtime command: every later render carries it.
        inFile.putPending(name, next);
        writer.schedule();
        file = FileStep.DEFERRED;
      } else {
        file = writeForChange(prev, next);
      }
      try {
        converge(next.layout());
      } catch (RuntimeException e) {
        rollBack(prev, file, e);
        throw e;
      }
      desired = next;
      int commands = (int) (HaproxyRuntimeClient.changeCommandsOfThisThread() - before);
      log.info("applied group {} v{} (epoch {}): reload={}, runtime commands={}, file {}",
          name, set.version(), epoch, file.reloaded(), commands, file.deferred() ? "in the background" : "first");
      return new ApplyResult(observeGroup(next), file.reloaded(), commands);
    }

    /**
     * True when the change touches servers only, so the runtime API alone answers it and the file
     * follows in the background: the group's structure is the same in its last completed set, in
     * the file and in {@code next} (a failed roll-back may have left another structure in the file).
     */
    private boolean serversOnly(Applied prev, Applied next) {
      if (settings.configSync() != ConfigSync.STRUCTURE || prev == null) {
        return false;
      }
      GroupLayout structure = next.layout().structure();
      return prev.layout().structure().equals(structure)
          && inFile.get(name).map(f -> f.layout().structure().equals(structure)).orElse(false);
    }

    /**
     * Puts the group back as it was before a change HAProxy refused part of: its block of the
     * file (re-rendered with every other group's latest set, so their concurrent changes stay),
     * its desired set (never replaced: it changes only once a change completed) and its runtime
     * state. The file step runs to its own bounds as the change's did; the runtime part has
     * {@link #ROLLBACK_BUDGET}, whatever the caller's deadline.
     */
    @GuardedBy("lock")
    private void rollBack(Applied prev, FileStep forward, RuntimeException cause) {
      log.warn("HAProxy refused part of the change to group {}: {}; rolling back to the previous desired set",
          name, cause.getMessage());
      try {
        if (forward.deferred()) {
          // A server-only change: its set goes back in the file's sets, and the background write follows.
          inFile.putPending(name, prev);
          writer.schedule();
        } else {
          try (CallDeadline.Scope own = CallDeadline.within(null)) {
            writeForRollBack(name, prev, forward);
          }
        }
        try (CallDeadline.Scope budget = CallDeadline.within(ROLLBACK_BUDGET)) {
          if (prev == null) {
            // Not managed any more (a new group's proxies went with the reload back): nothing to track.
            awaitingCheck.clear();
            pendingRemovals.clear();
          } else {
            converge(prev.layout());
          }
        }
      } catch (RuntimeException e) {
        cause.addSuppressed(e);
        runtimeStale = true;
        log.error("rolling back group {} failed ({}); the reload watcher re-asserts the desired set once HAProxy "
            + "answers", name, e.toString());
      }
    }

    /** See {@link HaproxyBackendController#removeGroup}. */
    @GuardedBy("lock")
    boolean remove() {
      if (!writeForRemoval(name, desired != null)) {
        return false;
      }
      desired = null;
      awaitingCheck.clear();
      pendingRemovals.clear();
      log.info("removed group {}", name);
      return true;
    }

    /** Converges the runtime to the desired set again (after a reload); commands sent. */
    @GuardedBy("lock")
    int reassert() {
      Applied a = desired;
      if (a == null) {
        return 0;
      }
      long before = HaproxyRuntimeClient.changeCommandsOfThisThread();
      converge(a.layout());
      // A reload dropped servers that are no longer in the file.
      pendingRemovals.clear();
      return (int) (HaproxyRuntimeClient.changeCommandsOfThisThread() - before);
    }

    /**
     * Runs the runtime plan of every backend of the group, planned from a fresh look at HAProxy.
     * A reload between the look and a command (another group's structure change, or anyone's)
     * can make the plan stale: a server it adds the new worker already has from the file, or one
     * it changes the new worker no longer has. That plan is made again, once, from a new look.
     */
    @GuardedBy("lock")
    void converge(GroupLayout layout) {
      try {
        convergeOnce(layout);
      } catch (ServerExistsException | NoSuchServerException e) {
        log.info("group {}: {}; HAProxy changed under the plan (a reload?), planning again", name, e.getMessage());
        convergeOnce(layout);
      }
    }

    /** Adds first, retirements last. */
    @GuardedBy("lock")
    private void convergeOnce(GroupLayout layout) {
      List<ServerPlan> plans = new ArrayList<>();
      for (GroupLayout.Backend be : layout.backends()) {
        Map<String, ServerStateRow> observed = runtime.showServersState(be.name()).stream()
            .collect(Collectors.toMap(ServerStateRow::server, r -> r, (a, b) -> a, LinkedHashMap::new));
        ServerPlan plan = ServerPlan.diff(be.name(), be.servers(), observed);
        if (!plan.isEmpty()) {
          log.debug("plan for {}: add {}, change {}, retire {}", be.name(),
              plan.add().stream().map(BackendServer::name).toList(), plan.change(), plan.retire());
        }
        plans.add(plan);
      }
      Map<String, GroupLayout.Backend> byName = layout.backends().stream()
          .collect(Collectors.toMap(GroupLayout.Backend::name, b -> b));
      // Servers that must pass a health check before taking traffic: backend -> servers.
      List<Map.Entry<String, BackendServer>> waiting = new ArrayList<>();
      for (ServerPlan plan : plans) {
        Optional<HealthCheck> hc = byName.get(plan.backend()).healthCheck();
        for (BackendServer s : plan.add()) {
          if (startNewServer(plan.backend(), s, hc)) {
            waiting.add(Map.entry(plan.backend(), s));
          }
        }
        for (ServerPlan.Change c : plan.change()) {
          if (changeServer(plan.backend(), c, hc)) {
            waiting.add(Map.entry(plan.backend(), c.desired()));
          }
        }
      }
      // The group's servers wait afresh: the plan above is the whole truth for its backends.
      awaitingCheck.clear();
      waiting.forEach(e -> awaitingCheck.put(e.getKey() + "/" + e.getValue().name(), e));
      promoteChecked();
      for (ServerPlan plan : plans) {
        for (String srv : plan.retire()) {
          runtime.setState(plan.backend(), srv, AdminState.MAINT);
          if (settings.removal() == RemovalPolicy.DELETE_WHEN_IDLE) {
            pendingRemovals.put(plan.backend() + "/" + srv, Optional.empty());
          }
        }
      }
    }

    /**
     * One look at the health checks of the servers waiting for their first passing check: those
     * that passed get their weight and go READY; the others stay in DRAIN (checked, without
     * traffic) for the next look. Never waits: the reload watcher looks again on each poll
     * ({@link #promoteHealthy}), and so does every apply.
     */
    @GuardedBy("lock")
    int promoteChecked() {
      if (awaitingCheck.isEmpty()) {
        return 0;
      }
      Map<String, Map<String, StatRow>> stats = new LinkedHashMap<>();
      int promoted = 0;
      for (var it = awaitingCheck.values().iterator(); it.hasNext(); ) {
        var e = it.next();
        StatRow row = stats.computeIfAbsent(e.getKey(), be -> runtime.showServerStats(be).stream()
            .collect(Collectors.toMap(StatRow::name, r -> r, (a, b) -> a))).get(e.getValue().name());
        if (row != null && row.checkStatus().endsWith("OK")) {
          BackendServer s = e.getValue();
          runtime.setWeight(e.getKey(), s.name(), s.weight());
          runtime.setState(e.getKey(), s.name(), AdminState.READY);
          it.remove();
          promoted++;
        }
      }
      return promoted;
    }

    /** See {@link HaproxyBackendController#purgeRetiredServers}. */
    @GuardedBy("lock")
    List<String> purge(Function<String, Boolean> idleEverywhere, Instant now) {
      List<String> deleted = new ArrayList<>();
      for (var it = pendingRemovals.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        String key = e.getKey();
        if (!idleEverywhere.apply(key)) {
          e.setValue(Optional.empty());
          continue;
        }
        if (e.getValue().isEmpty()) {
          e.setValue(Optional.of(now));
        }
        if (e.getValue().get().plus(settings.removalSettle()).isAfter(now)) {
          continue;
        }
        String be = key.substring(0, key.indexOf('/'));
        String srv = key.substring(key.indexOf('/') + 1);
        try {
          runtime.delServer(be, srv);
          deleted.add(key);
          it.remove();
          log.info("deleted retired server {}", key);
        } catch (NoSuchServerException gone) {
          it.remove();
        } catch (ServerNotRemovableException busy) {
          e.setValue(Optional.empty());
          log.debug("retired server {} not removable yet: {}", key, busy.reply());
        }
      }
      return deleted;
    }

    @GuardedBy("lock")
    List<String> pendingRemovals() {
      return List.copyOf(pendingRemovals.keySet());
    }
  }

  // ---- a group's entry and lock ----

  /**
   * The group's entry, created if needed, counted as used until {@link #exit}: an entry is dropped
   * only when nobody uses it and its group is not managed, so every caller of one group meets the
   * same lock, and the map holds the managed groups plus the ones in use, not every group ever seen.
   */
  private Group enter(GroupName name) {
    return groups.compute(name, (n, g) -> {
      Group e = g == null ? new Group(n, null) : g;
      e.users++;
      return e;
    });
  }

  private void exit(Group g) {
    groups.computeIfPresent(g.name, (n, e) -> {
      e.users--;
      return e.users == 0 && e.desired == null ? null : e;
    });
  }

  /** Group entries right now: the managed groups and the ones whose lock is held or waited for (tests). */
  int groupEntries() {
    return groups.size();
  }

  /**
   * Runs {@code action} holding the group's lock (waiting as {@link #apply} does): the edge's
   * fence check, apply and commit of one group are then one step for every other change to that
   * group, and to the reload watcher's work on it. Reentrant.
   */
  @Override
  public <T> T withGroup(GroupName group, Supplier<T> action) {
    Group g = enter(group);
    try {
      g.lock.lock();
      try {
        return action.get();
      } finally {
        g.lock.unlock();
      }
    } finally {
      exit(g);
    }
  }

  /** Takes a lock for the reload watcher's work: false when it stayed busy for {@code wait}. */
  private static boolean tryLock(BoundedLock lock, Duration wait) {
    try {
      return lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The groups with an entry, in name order. */
  private Set<GroupName> groupNames() {
    return new TreeSet<>(groups.keySet());
  }

  // ---- changes ----

  /**
   * Applies {@code desired} whole or not at all: {@code haproxy -c} refusing the file or a failed
   * reload leaves the previous file serving (the applier restores it); HAProxy refusing a runtime
   * command afterwards rolls the group's block of the file, its desired set and its runtime state
   * back to what they were, and the refusal is rethrown. Other groups are neither waited for
   * (beyond another group's file step) nor touched. The reload watcher's work on the group runs
   * under the same group lock, so it only ever sees the previous or the new desired set.
   *
   * <p>The caller's {@link CallDeadline} bounds the wait for the group's lock and for the file
   * lock, and every runtime command: a caller that stops waiting gets DEADLINE_EXCEEDED, before
   * anything changed if it was still waiting for a lock, else with the change rolled back as for
   * a refusal. The file step (validation, reload) runs to its own bounds, since stopping it
   * half-way would leave more to undo.
   */
  @Override
  public ApplyResult apply(BackendSet desired, Epoch epoch) {
    Group g = enter(desired.group());
    try (LogContext ignored = LogContext.group(desired.group().value())) {
      g.lock.lock();
      try {
        return g.apply(desired, epoch);
      } finally {
        g.lock.unlock();
      }
    } finally {
      exit(g);
    }
  }

  @Override
  public boolean removeGroup(GroupName group) {
    Group g = enter(group);
    try (LogContext ignored = LogContext.group(group.value())) {
      g.lock.lock();
      try {
        return g.remove();
      } finally {
        g.lock.unlock();
      }
    } finally {
      exit(g);
    }
  }

  // ---- file steps (each under the file lock; the caller holds the group's lock) ----

  /**
   * Writes the file with the group's block replaced by {@code next}'s, reloading when the group
   * is new to the running HAProxy or its structure changes; refuses ports of other groups first.
   * {@link #inFile} takes {@code next} once the file is in place.
   */
  private FileStep writeForChange(Applied prev, Applied next) {
    GroupName group = next.set().group();
    fileLock.lock();
    try {
      FileSets.Snapshot sets = inFile.snapshot();
      refuseOutsidePortRange(next.layout());
      refusePortsOfOtherGroups(next.layout(), sets);
      String current = applier.current();
      Optional<String> previousBlock = Optional.ofNullable(ConfigBlocks.parse(current).get(group));
      String config = render(current, sets, group, Optional.of(next.block()));
      boolean reload = prev == null
          ? !runningAlreadyServes(config, current, next.layout())
          : !prev.layout().structure().equals(next.layout().structure());
      try (CallDeadline.Scope own = CallDeadline.within(null)) {
        applier.apply(config, reload);
      }
      inFile.putWritten(group, Optional.of(next), sets);
      return new FileStep(reload, previousBlock, false);
    } finally {
      fileLock.unlock();
    }
  }

  /** Puts the group's block back as it was before {@code forward} (every other block stays at its latest). */
  private void writeForRollBack(GroupName group, Applied prev, FileStep forward) {
    fileLock.lock();
    try {
      FileSets.Snapshot sets = inFile.snapshot();
      // The previous file was valid with this block; reload back to it if the change had reloaded.
      applier.apply(render(applier.current(), sets, group, forward.previousBlock()), forward.reloaded());
      inFile.putWritten(group, Optional.ofNullable(prev), sets);
    } finally {
      fileLock.unlock();
    }
  }

  /** Drops the group's block and reloads; false when neither managed nor in the file. */
  private boolean writeForRemoval(GroupName group, boolean managed) {
    fileLock.lock();
    try {
      String current = applier.current();
      if (!managed && !ConfigBlocks.parse(current).containsKey(group)) {
        return false;
      }
      FileSets.Snapshot sets = inFile.snapshot();
      applier.apply(render(current, sets, group, Optional.empty()), true);
      inFile.putWritten(group, Optional.empty(), sets);
      return true;
    } finally {
      fileLock.unlock();
    }
  }

  /**
   * The background write (on {@link ConfigWriteBehind}'s thread): when {@link #inFile} has sets
   * the file does not, renders them all and installs the file without {@code haproxy -c} (see the
   * class comment). Under the file lock, so it never crosses a file step; rendered when it runs,
   * so one write carries every change recorded until then.
   */
  private void writeBehind() {
    if (inFile.inStep()) {
      return;
    }
    fileLock.lock();
    try {
      FileSets.Snapshot sets = inFile.snapshot();
      String current = applier.current();
      Map<GroupName, String> blocks = new TreeMap<>(ConfigBlocks.parse(current));
      sets.sets().forEach((g, a) -> blocks.put(g, a.block()));
      String config = HaproxyConfigRenderer.HEADER + String.join("", blocks.values());
      if (!config.equals(current)) {
        applier.write(config);
      }
      inFile.written(sets);
    } finally {
      fileLock.unlock();
    }
  }

  /**
   * The whole file: {@code group}'s block replaced by {@code block} (dropped when empty), every
   * other group rendered from {@link #inFile} (its latest set, whatever its own change is doing),
   * and any group block of the file not managed yet kept verbatim (after an agent restart the file
   * still serves groups the edge has not re-applied; dropping them would take their frontends
   * down at the next reload). Blocks sorted by group, so the bytes do not depend on which group
   * came first.
   */
  private static String render(String current, FileSets.Snapshot sets, GroupName group, Optional<String> block) {
    Map<GroupName, String> blocks = new TreeMap<>(ConfigBlocks.parse(current));
    for (Map.Entry<GroupName, Applied> e : sets.sets().entrySet()) {
      if (!e.getKey().equals(group)) {
        blocks.put(e.getKey(), e.getValue().block());
      }
    }
    block.ifPresentOrElse(b -> blocks.put(group, b), () -> blocks.remove(group));
    return HaproxyConfigRenderer.HEADER + String.join("", blocks.values());
  }

  /**
   * HAProxy binds with SO_REUSEPORT, so two frontends on one port are not an error anywhere: they
   * silently split the traffic (measured). The agent refuses a group port that another group (live
   * or recovered from the file) or a frontend of the base config already binds, naming the owner,
   * and one outside the agent's frontend port range. Another group's ports are those of its set in
   * the file and of its last completed set: a port a change of it gives up stays its own until
   * that change completed, since a roll-back would take it back.
   */
  private void refusePortsOfOtherGroups(GroupLayout layout, FileSets.Snapshot sets) {
    List<BaseConfigBinds.Bind> baseBinds = BaseConfigBinds.parse(applier.baseConfig());
    List<Applied> others = new ArrayList<>(sets.sets().values());
    groups.values().forEach(g -> Optional.ofNullable(g.desired).ifPresent(others::add));
    for (GroupLayout.Frontend mine : layout.frontends()) {
      for (Applied other : others) {
        if (other.set().group().equals(layout.group())) {
          continue;
        }
        for (GroupLayout.Frontend theirs : other.layout().frontends()) {
          if (mine.port() == theirs.port()) {
            throw new InvalidInputException("backend_set.frontend_port",
                "port " + mine.port() + " is already used by group " + other.set().group());
          }
        }
      }
      for (BaseConfigBinds.Bind b : baseBinds) {
        if (b.overlaps(renderer.bindAddress(), mine.port())) {
          throw new InvalidInputException("backend_set.frontend_port", "port " + mine.port()
              + " is already bound by the base config (" + b.section() + " on " + b.address() + ")");
        }
      }
    }
  }

  /**
   * Refuses a frontend port outside the agent's range: also on a server-only change, whose ports
   * another group or the base config cannot have taken meanwhile (both are refused while this
   * group holds them), but a group recovered from the file may predate a narrower range.
   */
  private void refuseOutsidePortRange(GroupLayout layout) {
    for (GroupLayout.Frontend mine : layout.frontends()) {
      if (!settings.frontendPorts().contains(mine.port())) {
        throw new InvalidInputException("backend_set.frontend_port", "port " + mine.port()
            + " is outside this agent's frontend port range " + settings.frontendPorts() + " (--frontend-port-range)");
      }
    }
  }

  /**
   * True when the running HAProxy already has this group's proxies from the same file (agent
   * restarted, HAProxy did not): no reload is needed then, only run-time convergence.
   */
  private boolean runningAlreadyServes(String config, String current, GroupLayout layout) {
    if (!config.equals(current)) {
      return false;
    }
    try {
      for (GroupLayout.Backend be : layout.backends()) {
        runtime.showServersState(be.name());
      }
      return true;
    } catch (NoSuchServerException e) {
      return false;
    }
  }

  /**
   * Takes over the groups the file in place already serves (an agent restarted beside a running
   * HAProxy, or a HAProxy started from the kept file): their desired sets are in the file itself.
   * Blocks without a readable desired set (an older agent's) stay verbatim until re-applied.
   */
  private static Map<GroupName, Applied> recover(String config, HaproxyConfigRenderer renderer) {
    Map<GroupName, Applied> recovered = new TreeMap<>();
    for (Map.Entry<GroupName, String> block : ConfigBlocks.parse(config).entrySet()) {
      try {
        DesiredSetLine.in(block.getValue())
            .filter(r -> r.set().group().equals(block.getKey()))
            .ifPresent(r -> recovered.put(block.getKey(), new Applied(r.set(), r.epoch(), GroupLayout.of(r.set()),
                renderer.renderGroup(r.set(), r.epoch()))));
      } catch (IllegalArgumentException e) {
        log.warn("group {} in the config file has no usable desired set ({}); kept as it is until re-applied",
            block.getKey(), e.getMessage());
      }
    }
    if (!recovered.isEmpty()) {
      log.info("recovered {} group(s) from the config file: {}", recovered.size(), recovered.keySet());
    }
    return recovered;
  }

  // ---- the reload watcher's work: group by group, each under its own lock ----

  /** True after a roll-back failed, until {@link #reassert()} has re-asserted every group. */
  public boolean runtimeStale() {
    return runtimeStale;
  }

  /**
   * Re-applies desired weights and states at run time, without touching the file: after a reload
   * (anyone's) HAProxy starts from the file plus the dumped server state, and anything missing
   * is put back here. Group by group, each under its own lock; a group whose lock stays busy for
   * {@link #BACKGROUND_LOCK_WAIT} (a change of it in progress) is skipped and named in the
   * result, for the caller to come back to. A runtime failure stops the round and is thrown.
   */
  // eachGroupUnlessBusy runs the lambda holding g.lock; Error Prone does not follow a lock into a lambda.
  @SuppressWarnings("GuardedBy")
  public Reassertion reassert() {
    boolean wasStale = runtimeStale;
    // Cleared first: a roll-back failing while this round runs sets it again.
    runtimeStale = false;
    int[] commands = {0};
    Set<GroupName> busy = new TreeSet<>();
    try {
      eachGroupUnlessBusy(g -> commands[0] += g.reassert(), busy::add);
    } catch (RuntimeException e) {
      if (wasStale) {
        runtimeStale = true;
      }
      throw e;
    }
    if (wasStale && !busy.isEmpty()) {
      runtimeStale = true;
    }
    return new Reassertion(commands[0], busy);
  }

  /** Promotes the waiting servers whose first check has passed; the number promoted. Busy groups wait for the next call. */
  // eachGroupUnlessBusy runs the lambda holding g.lock; Error Prone does not follow a lock into a lambda.
  @SuppressWarnings("GuardedBy")
  public int promoteHealthy() {
    int[] promoted = {0};
    eachGroupUnlessBusy(g -> promoted[0] += g.promoteChecked(), busy -> { });
    return promoted[0];
  }

  /**
   * Deletes retired servers that every worker has shown idle (scur, qcur 0) for the settle
   * period (only with {@link RemovalPolicy#DELETE_WHEN_IDLE}). Returns the ones deleted. Busy
   * groups wait for the next call.
   */
  // eachGroupUnlessBusy runs the lambda holding g.lock; Error Prone does not follow a lock into a lambda.
  @SuppressWarnings("GuardedBy")
  public List<String> purgeRetiredServers(Function<String, Boolean> idleEverywhere) {
    List<String> deleted = new ArrayList<>();
    Instant now = clock.instant();
    eachGroupUnlessBusy(g -> deleted.addAll(g.purge(idleEverywhere, now)), busy -> { });
    return deleted;
  }

  /** Work on one group, run with its lock held. */
  @FunctionalInterface
  private interface GroupWork {
    void run(Group g);
  }

  /**
   * The reload watcher's way through the groups: each in name order, under its own lock, waiting
   * at most {@link #BACKGROUND_LOCK_WAIT} for it; a group whose lock stays busy (a change of it in
   * progress) is skipped and handed to {@code busy}, for a later round. A failure of {@code work}
   * ends the round and is thrown.
   */
  private void eachGroupUnlessBusy(GroupWork work, Consumer<GroupName> busy) {
    for (GroupName name : groupNames()) {
      Group g = enter(name);
      try (LogContext ignored = LogContext.group(name.value())) {
        if (!tryLock(g.lock, BACKGROUND_LOCK_WAIT)) {
          busy.accept(name);
          continue;
        }
        try {
          work.run(g);
        } finally {
          g.lock.unlock();
        }
      } finally {
        exit(g);
      }
    }
  }

  /** "backend/server" keys waiting for deletion. */
  public List<String> pendingRemovals() {
    List<String> out = new ArrayList<>();
    for (GroupName name : groupNames()) {
      Group g = enter(name);
      try {
        g.lock.lock();
        try {
          out.addAll(g.pendingRemovals());
        } finally {
          g.lock.unlock();
        }
      } finally {
        exit(g);
      }
    }
    return out;
  }

  // ---- read-back: never waits behind a change ----

  /** Each managed group's desired set as of its last completed change, by group. */
  private Map<GroupName, Applied> settled() {
    Map<GroupName, Applied> out = new TreeMap<>();
    groups.forEach((name, g) -> {
      Applied a = g.desired;
      if (a != null) {
        out.put(name, a);
      }
    });
    return out;
  }

  /** The (epoch, version) of every group this controller manages, recovered ones included. */
  public Map<GroupName, AppliedVersion> appliedVersions() {
    Map<GroupName, AppliedVersion> out = new TreeMap<>();
    settled().forEach((g, a) -> out.put(g, new AppliedVersion(a.epoch(), a.set().version())));
    return out;
  }

  /** The epoch and version a group's desired set was applied under. */
  public record AppliedVersion(Epoch epoch, long version) {}

  @Override
  public List<ObservedBackend> observe() {
    return settled().values().stream().map(this::observeGroup).toList();
  }

  @Override
  public Map<GroupName, BackendSet> desired() {
    Map<GroupName, BackendSet> out = new TreeMap<>();
    settled().forEach((g, a) -> out.put(g, a.set()));
    return out;
  }

  @Override
  public List<HaproxyWorker> workers() {
    ProcTable procs = master.showProc();
    List<HaproxyWorker> out = new ArrayList<>();
    for (ProcTable.Proc p : procs.currentWorkers()) {
      out.add(new HaproxyWorker(p.pid(), true, p.reloads(), connections(p.pid())));
    }
    for (ProcTable.Proc p : procs.oldWorkers()) {
      out.add(new HaproxyWorker(p.pid(), false, p.reloads(), connections(p.pid())));
    }
    return out;
  }

  @Override
  public String haproxyVersion() {
    if (version.isEmpty()) {
      version = runtime.showInfo().version();
    }
    return version;
  }

  /**
   * Cuts every session still open on one server of a group, in the current worker and in every
   * old worker (the last resort when a drain deadline expires), under the group's lock. Has the
   * shape of the edge's {@code SessionShutdown}.
   *
   * @return sessions the server held just before, summed over all workers
   * @throws NotFoundException when the group is not managed here or has no such server
   */
  public int shutdownSessions(GroupName group, String server) {
    io.zdd.common.model.Validation.name("server", server);
    return withGroup(group, () -> {
      Group g = groups.get(group); // there while withGroup uses it
      Applied a = g == null ? null : g.desired;
      if (a == null) {
        throw new NotFoundException("group " + group + " is not managed by this agent");
      }
      return shutdownSessions(a, server);
    });
  }

  private int shutdownSessions(Applied a, String server) {
    GroupName group = a.set().group();
    List<String> backends = a.layout().backends().stream().map(GroupLayout.Backend::name).toList();
    int held = 0;
    boolean found = false;
    for (String be : backends) {
      Optional<StatRow> row = runtime.showServerStats(be).stream().filter(r -> r.name().equals(server)).findFirst();
      if (row.isPresent()) {
        found = true;
        held += row.get().scur();
        runtime.shutdownSessions(be, server);
      }
    }
    for (ProcTable.Proc old : master.showProc().oldWorkers()) {
      for (StatRow r : master.showServerStats(old.pid()).orElse(List.of())) {
        if (r.name().equals(server) && backends.contains(r.proxy())) {
          found = true;
          held += r.scur();
          master.shutdownSessions(old.pid(), r.proxy(), server);
        }
      }
    }
    if (!found) {
      throw new NotFoundException("group " + group + " has no server '" + server + "'");
    }
    log.info("shut down {} sessions on {}/{}", held, group, server);
    return held;
  }

  // ---- runtime steps for one server (no state of their own) ----

  /**
   * Adds a server at weight 0 in maintenance. With a health check it is then checked while in
   * DRAIN and only put in service after a passing check (true returned): leaving maintenance
   * directly would mark it up before any check ran.
   */
  private boolean startNewServer(String backend, BackendServer s, Optional<HealthCheck> hc) {
    runtime.addServer(backend, s.name(), s.address(), s.port(), new ServerOptions(0, hc, false));
    if (s.adminState() == AdminState.MAINT) {
      setWeightIfNeeded(backend, s.name(), 0, s.weight());
      return false;
    }
    if (hc.isPresent()) {
      runtime.enableHealth(backend, s.name());
      runtime.setState(backend, s.name(), AdminState.DRAIN);
      if (s.adminState() == AdminState.DRAIN) {
        setWeightIfNeeded(backend, s.name(), 0, s.weight());
        return false;
      }
      return true;
    }
    if (s.adminState() == AdminState.DRAIN) {
      runtime.setState(backend, s.name(), AdminState.DRAIN);
    } else {
      runtime.setState(backend, s.name(), AdminState.READY);
    }
    setWeightIfNeeded(backend, s.name(), 0, s.weight());
    return false;
  }

  /** Applies one change; true when it must wait for a passing check before going READY. */
  private boolean changeServer(String backend, ServerPlan.Change c, Optional<HealthCheck> hc) {
    String name = c.desired().name();
    if (c.address()) {
      runtime.setAddress(backend, name, c.desired().address(), c.desired().port());
    }
    if (c.to() == AdminState.READY && c.from() == AdminState.MAINT && hc.isPresent()) {
      // Same reason as for new servers: through DRAIN, promoted after a passing check.
      runtime.setState(backend, name, AdminState.DRAIN);
      return true;
    }
    if (c.to() == AdminState.READY && c.from() == AdminState.DRAIN && hc.isPresent()) {
      // Still (or again) waiting for a passing check: promoted by promoteChecked, not blindly.
      return true;
    }
    // Weight before state when entering service, state before weight when leaving it, so a
    // server never takes traffic at a weight it should not have.
    if (c.to() == AdminState.READY) {
      if (c.weight() != null) {
        runtime.setWeight(backend, name, c.weight());
      }
      runtime.setState(backend, name, AdminState.READY);
    } else {
      if (c.to() != null) {
        runtime.setState(backend, name, c.to());
      }
      if (c.weight() != null) {
        runtime.setWeight(backend, name, c.weight());
      }
    }
    return false;
  }

  private void setWeightIfNeeded(String backend, String server, int current, int desired) {
    if (current != desired) {
      runtime.setWeight(backend, server, desired);
    }
  }

  private ObservedBackend observeGroup(Applied a) {
    String be = GroupLayout.mainBackend(a.set().group());
    Map<String, StatRow> stats;
    List<ServerStateRow> state;
    try {
      state = runtime.showServersState(be);
      stats = runtime.showServerStats(be).stream().collect(Collectors.toMap(StatRow::name, r -> r, (x, y) -> x));
    } catch (NoSuchServerException e) {
      return new ObservedBackend(a.set().group(), a.set().version(), a.epoch(), a.set().frontendPort(), List.of());
    }
    // Retired servers stay in MAINT inside HAProxy until a reload or purge drops them, but they are
    // no longer part of the group: the read-back shows the group as desired.
    Set<String> desiredNames = a.set().servers().stream().map(BackendServer::name).collect(Collectors.toSet());
    List<ObservedServer> servers = new ArrayList<>();
    for (ServerStateRow r : state) {
      if (!desiredNames.contains(r.server())) {
        continue;
      }
      StatRow st = stats.get(r.server());
      servers.add(new ObservedServer(r.server(), r.address(), r.port(), r.userWeight(), r.adminState(),
          st == null ? "" : st.status(), st == null ? "" : st.checkStatus(), st == null ? 0 : st.scur()));
    }
    return new ObservedBackend(a.set().group(), a.set().version(), a.epoch(), a.set().frontendPort(), servers);
  }

  private long connections(int pid) {
    try {
      return master.showInfo(pid).map(HaproxyInfo::currentConnections).orElse(0L);
    } catch (UnavailableException | DeadlineExceededException e) {
      return 0;
    }
  }
}
