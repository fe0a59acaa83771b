package io.zdd.agent.haproxy;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes HAProxy serve the desired backend sets. Server changes go through the runtime API with
 * no reload, in a safe order (a server gets its weight before it enters service and leaves
 * service before its weight drops); a reload happens only when a group's
 * frontends or backend options are new or changed. Every change is also written to
 * {@code zdd.cfg} first, so a later reload (ours or anyone's) reproduces it. One apply at a
 * time; the reload watcher's re-assertion takes the same lock.
 */
public final class HaproxyBackendController implements BackendController {
  private static final Logger log = LoggerFactory.getLogger(HaproxyBackendController.class);

  private final HaproxyRuntimeClient runtime;
  private final MasterCli master;
  private final HaproxyConfigApplier applier;
  private final HaproxyConfigRenderer renderer;
  private final ControllerSettings settings;
  private final Clock clock;
  /** Bounds how long a change waits behind another (the caller's deadline may bound it sooner). */
  static final Duration LOCK_WAIT = Duration.ofSeconds(30);
  private final BoundedLock lock = new BoundedLock("the HAProxy configuration", LOCK_WAIT);
  /** How long undoing a change may take, whatever the caller's deadline. */
  static final Duration ROLLBACK_BUDGET = Duration.ofSeconds(5);
  /** Servers in DRAIN until their first check passes, by "backend/server" (guarded by the lock; read bare only to skip). */
  private final Map<String, Map.Entry<String, BackendServer>> awaitingCheck = new ConcurrentHashMap<>();
  /** A roll-back failed: HAProxy's runtime state may differ from the desired sets until re-asserted. */
  private volatile boolean runtimeStale;
  private final Map<GroupName, Applied> groups = new TreeMap<>();
  /** "backend/server" of retired servers waiting to be deleted, with when they were first idle. */
  private final Map<String, Optional<Instant>> pendingRemovals = new LinkedHashMap<>();
  private volatile String version = "";

  private record Applied(BackendSet set, Epoch epoch, GroupLayout layout) {}

  public HaproxyBackendController(HaproxyRuntimeClient runtime, MasterCli master, HaproxyConfigApplier applier,
      HaproxyConfigRenderer renderer, ControllerSettings settings, Clock clock) {
    this.runtime = runtime;
    this.master = master;
    this.applier = applier;
    this.renderer = renderer;
    this.settings = settings;
    this.clock = clock;
    recover();
  }

  /**
   * Applies {@code desired} whole or not at all: {@code haproxy -c} refusing the file or a failed
   * reload leaves the previous file serving (the applier restores it); HAProxy refusing a runtime
   * command afterwards rolls the file, the desired set and the runtime state back to what they
   * were, and the refusal is rethrown. The reload watcher re-asserts under the same lock, so it
   * only ever sees the previous or the new desired set.
   *
   * <p>The caller's {@link CallDeadline} bounds the wait for the lock and every runtime command:
   * a caller that stops waiting gets DEADLINE_EXCEEDED and the change is rolled back as for a
   * refusal. The file step (validation, reload) runs to its own bounds, since stopping it half-way
   * would leave more to undo; the roll-back has a budget of its own ({@link #ROLLBACK_BUDGET}).
   */
  @Override
  public ApplyResult apply(BackendSet desired, Epoch epoch) {
    try (BoundedLock.Held held = lock.acquire(); LogContext ignored = LogContext.group(desired.group().value())) {
      GroupName group = desired.group();
      Applied prev = groups.get(group);
      GroupLayout layout = GroupLayout.of(desired);
      refusePortsOfOtherGroups(layout);
      Map<GroupName, Applied> next = new TreeMap<>(groups);
      next.put(group, new Applied(desired, epoch, layout));
      String config = render(next);
      String previousConfig = applier.current();
      boolean reload = prev == null
          ? !runningAlreadyServes(config, layout)
          : !prev.layout().structure().equals(layout.structure());
      long before = runtime.changeCommands();
      try (CallDeadline.Scope own = CallDeadline.within(null)) {
        applier.apply(config, reload);
      }
      groups.put(group, next.get(group));
      try {
        converge(layout);
      } catch (RuntimeException e) {
        rollBack(group, prev, previousConfig, reload, e);
        throw e;
      }
      int commands = (int) (runtime.changeCommands() - before);
      log.info("applied group {} v{} (epoch {}): reload={}, runtime commands={}",
          group, desired.version(), epoch, reload, commands);
      return new ApplyResult(observeGroup(groups.get(group)), reload, commands);
    }
  }

  /** Puts the group back as it was before a change HAProxy refused part of. Caller holds the lock. */
  private void rollBack(GroupName group, Applied prev, String previousConfig, boolean reloaded,
      RuntimeException cause) {
    log.warn("HAProxy refused part of the change to group {}: {}; rolling back to the previous desired set",
        group, cause.getMessage());
    if (prev == null) {
      groups.remove(group);
    } else {
      groups.put(group, prev);
    }
    try (CallDeadline.Scope budget = CallDeadline.within(ROLLBACK_BUDGET)) {
      // The previous file is valid (it was serving); reload back to it if the change had reloaded.
      applier.apply(previousConfig, reloaded);
      if (prev != null) {
        converge(prev.layout());
      }
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
      runtimeStale = true;
      log.error("rolling back group {} failed ({}); the reload watcher re-asserts the desired set once HAProxy "
          + "answers", group, e.toString());
    }
  }

  /** The (epoch, version) of every group this controller manages, recovered ones included. */
  public Map<GroupName, AppliedVersion> appliedVersions() {
    try (BoundedLock.Held held = lock.acquire()) {
      Map<GroupName, AppliedVersion> out = new TreeMap<>();
      groups.forEach((g, a) -> out.put(g, new AppliedVersion(a.epoch(), a.set().version())));
      return out;
    }
  }

  /** The epoch and version a group's desired set was applied under. */
  public record AppliedVersion(Epoch epoch, long version) {}

  /**
   * Takes over the groups the file in place already serves (an agent restarted beside a running
   * HAProxy, or a HAProxy started from the kept file): their desired sets are in the file itself.
   * Blocks without a readable desired set (an older agent's) stay verbatim until re-applied.
   */
  private void recover() {
    for (Map.Entry<GroupName, String> block : ConfigBlocks.parse(applier.current()).entrySet()) {
      try {
        DesiredSetLine.in(block.getValue())
            .filter(r -> r.set().group().equals(block.getKey()))
            .ifPresent(r -> groups.put(block.getKey(), new Applied(r.set(), r.epoch(), GroupLayout.of(r.set()))));
      } catch (IllegalArgumentException e) {
        log.warn("group {} in the config file has no usable desired set ({}); kept as it is until re-applied",
            block.getKey(), e.getMessage());
      }
    }
    if (!groups.isEmpty()) {
      log.info("recovered {} group(s) from the config file: {}", groups.size(), groups.keySet());
    }
  }

  @Override
  public boolean removeGroup(GroupName group) {
    try (BoundedLock.Held held = lock.acquire()) {
      boolean inFile = ConfigBlocks.parse(applier.current()).containsKey(group);
      if (!groups.containsKey(group) && !inFile) {
        return false;
      }
      Map<GroupName, Applied> next = new TreeMap<>(groups);
      next.remove(group);
      String config = renderWithout(next, group);
      applier.apply(config, true);
      groups.remove(group);
      pendingRemovals.keySet().removeIf(k -> GroupLayout.groupOfBackend(k.substring(0, k.indexOf('/')))
          .map(group::equals).orElse(false));
      awaitingCheck.keySet().removeIf(k -> GroupLayout.groupOfBackend(k.substring(0, k.indexOf('/')))
          .map(group::equals).orElse(false));
      log.info("removed group {}", group);
      return true;
    }
  }

  @Override
  public List<ObservedBackend> observe() {
    List<Applied> snapshot;
    try (BoundedLock.Held held = lock.acquire()) {
      snapshot = List.copyOf(groups.values());
    }
    return snapshot.stream().map(this::observeGroup).toList();
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
   * old worker (the last resort when a drain deadline expires). Has the shape of the edge's
   * {@code SessionShutdown}.
   *
   * @return sessions the server held just before, summed over all workers
   * @throws NotFoundException when the group is not managed here or has no such server
   */
  public int shutdownSessions(GroupName group, String server) {
    io.zdd.common.model.Validation.name("server", server);
    Applied a;
    try (BoundedLock.Held held = lock.acquire()) {
      a = groups.get(group);
    }
    if (a == null) {
      throw new NotFoundException("group " + group + " is not managed by this agent");
    }
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

  @Override
  public Map<GroupName, BackendSet> desired() {
    try (BoundedLock.Held held = lock.acquire()) {
      return groups.values().stream().collect(Collectors.toMap(a -> a.set().group(), Applied::set,
          (a, b) -> a, TreeMap::new));
    }
  }

  /**
   * Re-applies desired weights and states at run time, without touching the file: after a reload
   * (anyone's) HAProxy starts from the file plus the dumped server state, and anything missing
   * is put back here. Returns the number of commands sent.
   */
  /** True after a roll-back failed, until {@link #reassert()} succeeds. */
  public boolean runtimeStale() {
    return runtimeStale;
  }

  public int reassert() {
    try (BoundedLock.Held held = lock.acquire()) {
      long before = runtime.changeCommands();
      for (Applied a : groups.values()) {
        try (LogContext ignored = LogContext.group(a.set().group().value())) {
          converge(a.layout());
        }
      }
      // A reload dropped servers that are no longer in the file.
      pendingRemovals.clear();
      runtimeStale = false;
      return (int) (runtime.changeCommands() - before);
    }
  }

  /**
   * Deletes retired servers that every worker has shown idle (scur, qcur 0) for the settle
   * period (only with {@link RemovalPolicy#DELETE_WHEN_IDLE}). Returns the ones deleted.
   */
  public List<String> purgeRetiredServers(Function<String, Boolean> idleEverywhere) {
    try (BoundedLock.Held held = lock.acquire()) {
      List<String> deleted = new ArrayList<>();
      Instant now = clock.instant();
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
  }

  /** "backend/server" keys waiting for deletion. */
  public List<String> pendingRemovals() {
    try (BoundedLock.Held held = lock.acquire()) {
      return List.copyOf(pendingRemovals.keySet());
    }
  }

  /**
   * HAProxy binds with SO_REUSEPORT, so two frontends on one port are not an error anywhere: they
   * silently split the traffic (measured). The agent refuses a group port that another group (live
   * or recovered from the file) or a frontend of the base config already binds, naming the owner,
   * and one outside the agent's frontend port range.
   */
  private void refusePortsOfOtherGroups(GroupLayout layout) {
    List<BaseConfigBinds.Bind> baseBinds = BaseConfigBinds.parse(applier.baseConfig());
    for (GroupLayout.Frontend mine : layout.frontends()) {
      if (!settings.frontendPorts().contains(mine.port())) {
        throw new InvalidInputException("backend_set.frontend_port", "port " + mine.port()
            + " is outside this agent's frontend port range " + settings.frontendPorts() + " (--frontend-port-range)");
      }
      for (Applied other : groups.values()) {
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

  // ---- convergence ----

  /** Runs the runtime plan of every backend of the group: adds first, retirements last. */
  private void converge(GroupLayout layout) {
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
    // This group's servers wait afresh: the plan above is the whole truth for its backends.
    awaitingCheck.keySet().removeIf(k -> byName.containsKey(k.substring(0, k.indexOf('/'))));
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

  /**
   * One look at the health checks of the servers waiting for their first passing check: those
   * that passed get their weight and go READY; the others stay in DRAIN (checked, without
   * traffic) for the next look. Never waits: the reload watcher looks again on each poll
   * ({@link #promoteHealthy}), and so does every apply. Caller holds the lock.
   */
  private int promoteChecked() {
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

  /** Promotes the waiting servers whose first check has passed; the number promoted. */
  public int promoteHealthy() {
    if (awaitingCheck.isEmpty()) {
      return 0;
    }
    try (BoundedLock.Held held = lock.acquire()) {
      return promoteChecked();
    }
  }

  private void setWeightIfNeeded(String backend, String server, int current, int desired) {
    if (current != desired) {
      runtime.setWeight(backend, server, desired);
    }
  }

  // ---- rendering ----

  /** Renders the managed groups, keeping verbatim any group block of the file not managed yet. */
  private String render(Map<GroupName, Applied> sets) {
    return renderWithout(sets, null);
  }

  private String renderWithout(Map<GroupName, Applied> sets, GroupName dropped) {
    // After an agent restart the file still serves groups the edge has not re-applied yet;
    // dropping them would take their frontends down at the next reload.
    // Blocks sorted by group either way, so the bytes do not depend on which group came first.
    Map<GroupName, String> blocks = new TreeMap<>(ConfigBlocks.parse(applier.current()));
    if (dropped != null) {
      blocks.remove(dropped);
    }
    sets.forEach((g, a) -> blocks.put(g, renderer.renderGroup(a.set(), a.epoch())));
    return HaproxyConfigRenderer.HEADER + String.join("", blocks.values());
  }

  /**
   * True when the running HAProxy already has this group's proxies from the same file (agent
   * restarted, HAProxy did not): no reload is needed then, only run-time convergence.
   */
  private boolean runningAlreadyServes(String config, GroupLayout layout) {
    if (!config.equals(applier.current())) {
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

  // ---- read-back ----

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
