package io.zdd.agent.grpc;

import io.zdd.agent.core.BackendController;
import io.zdd.common.concurrent.BoundedLock;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HaproxyWorker;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Stands in for HAProxy ONLY in tests of the agent's gRPC edge (validation, fencing, status
 * mapping, wiring): it keeps the last applied set per group and reports it back as HAProxy would
 * after a successful change (servers in name order, status from the admin state). It knows
 * nothing of real HAProxy behaviour; the HAProxy layer has its own tests against real processes.
 */
final class InMemoryBackendController implements BackendController {
  record Applied(BackendSet set, Epoch epoch) {}

  final List<Applied> applyCalls = new ArrayList<>();
  final List<GroupName> removeCalls = new ArrayList<>();
  private final Map<GroupName, Applied> groups = new TreeMap<>();
  /** When set, the next apply throws what it supplies (e.g. HAProxy refusing a config). */
  volatile Supplier<RuntimeException> failNextApply;
  /** One lock per group, as the real controller has (never dropped here: a test's groups are few). */
  private final Map<GroupName, BoundedLock> locks = new ConcurrentHashMap<>();

  @Override
  public <T> T withGroup(GroupName group, Supplier<T> action) {
    return locks.computeIfAbsent(group, g -> new BoundedLock("group " + g, Duration.ofSeconds(60))).with(action);
  }

  @Override
  public synchronized ApplyResult apply(BackendSet desired, Epoch epoch) {
    applyCalls.add(new Applied(desired, epoch));
    Supplier<RuntimeException> fail = failNextApply;
    if (fail != null) {
      failNextApply = null;
      throw fail.get();
    }
    Applied before = groups.put(desired.group(), new Applied(desired, epoch));
    boolean reload = before == null
        || before.set().frontendPort() != desired.frontendPort()
        || before.set().mode() != desired.mode()
        || !before.set().balance().equals(desired.balance())
        || !before.set().healthCheck().equals(desired.healthCheck())
        || !before.set().colourFrontends().equals(desired.colourFrontends());
    int commands = 0;
    if (!reload) {
      for (BackendServer s : desired.servers()) {
        if (!before.set().server(s.name()).map(s::equals).orElse(false)) {
          commands++;
        }
      }
      commands += (int) before.set().servers().stream().filter(s -> desired.server(s.name()).isEmpty()).count();
    }
    return new ApplyResult(observed(groups.get(desired.group())), reload, commands);
  }

  @Override
  public synchronized boolean removeGroup(GroupName group) {
    removeCalls.add(group);
    return groups.remove(group) != null;
  }

  @Override
  public synchronized List<ObservedBackend> observe() {
    return groups.values().stream().map(InMemoryBackendController::observed).toList();
  }

  @Override
  public synchronized Map<GroupName, BackendSet> desired() {
    Map<GroupName, BackendSet> out = new TreeMap<>();
    groups.forEach((g, a) -> out.put(g, a.set()));
    return out;
  }

  @Override
  public List<HaproxyWorker> workers() {
    return List.of(new HaproxyWorker(4242, true, 0, 0));
  }

  @Override
  public String haproxyVersion() {
    return "2.6.12-in-memory";
  }

  synchronized int calls() {
    return applyCalls.size() + removeCalls.size();
  }

  private static ObservedBackend observed(Applied a) {
    List<ObservedServer> servers = a.set().servers().stream()
        .sorted(Comparator.comparing(BackendServer::name))
        .map(s -> new ObservedServer(s.name(), s.address(), s.port(), s.weight(), s.adminState(),
            s.adminState() == AdminState.READY ? "UP" : s.adminState().name(), "", 0))
        .toList();
    return new ObservedBackend(a.set().group(), a.set().version(), Objects.requireNonNull(a.epoch()),
        a.set().frontendPort(), servers);
  }
}
