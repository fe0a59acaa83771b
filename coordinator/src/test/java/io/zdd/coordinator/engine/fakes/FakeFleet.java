package io.zdd.coordinator.engine.fakes;

import io.zdd.common.testing.MutableClock;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import io.zdd.common.model.ServerConnections;
import io.zdd.common.model.TrafficReading;
import io.zdd.coordinator.engine.LbGroups;
import io.zdd.coordinator.engine.port.AgentCallResult;
import io.zdd.coordinator.engine.port.LbAgentView;
import io.zdd.coordinator.engine.port.LbFleetPort;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Load-balancer agents in memory. Each holds the last backend set it accepted and reports it back
 * like HAProxy would: a server added by a set is DOWN until its check has passed
 * ({@link LbAgent#checkDelay} after it was added), then UP. Connection counts are scripted per
 * agent and server ({@link LbAgent#connections}); by default a server has no connection. An agent
 * can be unreachable (every call fails, no new samples) or just slow to pass checks.
 */
public final class FakeFleet implements LbFleetPort {
  /** Connections of one server on one agent: (scur, oldWorkerScur). */
  public record Conns(int scur, int oldWorkerScur) {}

  public final class LbAgent {
    public final AgentId id;
    public boolean connected = true;
    public boolean reachable = true;
    public Duration checkDelay = Duration.ZERO;
    /** Scripted connections; default none. Shut-down servers report none. */
    public BiFunction<BackendServer, Instant, Conns> connections = (s, t) -> new Conns(0, 0);
    public BackendSet applied;
    public final Map<String, Instant> addedAt = new HashMap<>();
    public final Set<String> shutdown = new HashSet<>();
    public final List<BackendSet> history = new ArrayList<>();
    public Integer redirectTarget;
    /** HAProxy's traffic counters on this LB (ReadTraffic). */
    public final FakeTraffic traffic = new FakeTraffic();
    /** The Marathon-LB groups the agent was started for ({@code --lb-group}); default every group. */
    public Set<String> lbGroups = Set.of(LbGroups.WILDCARD);
    ConnectionSample lastSample;
    long sequence;

    LbAgent(AgentId id) {
      this.id = id;
    }

    Conns conns(BackendServer s) {
      return shutdown.contains(s.name()) ? new Conns(0, 0) : connections.apply(s, clock.instant());
    }

    /** Every server this agent has ever been told about, with every (state, weight) it got in order. */
    public List<String> statesOf(String server) {
      List<String> out = new ArrayList<>();
      for (BackendSet set : history) {
        set.server(server).ifPresent(s -> {
          String st = s.adminState() + "/" + s.weight();
          if (out.isEmpty() || !out.get(out.size() - 1).equals(st)) {
            out.add(st);
          }
        });
      }
      return out;
    }
  }

  private final MutableClock clock;
  private final Map<AgentId, LbAgent> agents = new TreeMap<>();
  private final List<String> calls = new ArrayList<>();
  /** Servers given traffic while some LB had not yet checked them UP. */
  public final List<String> violations = new ArrayList<>();

  public FakeFleet(MutableClock clock, String... ids) {
    this.clock = clock;
    for (String id : ids) {
      agents.put(AgentId.of(id), new LbAgent(AgentId.of(id)));
    }
  }

  public synchronized LbAgent agent(String id) {
    return agents.get(AgentId.of(id));
  }

  public synchronized List<LbAgent> all() {
    return List.copyOf(agents.values());
  }

  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  /** The latest sample this agent has produced (what the engine saw), if any. */
  public synchronized Optional<ConnectionSample> lastSample(String id) {
    return Optional.ofNullable(agents.get(AgentId.of(id)).lastSample);
  }

  /** As the real fleet: members of the app's Marathon-LB groups, plus agents holding the group. */
  private List<LbAgent> of(GroupName group, LbGroups lbGroups) {
    return agents.values().stream()
        .filter(a -> lbGroups.servedBy(a.lbGroups) || (a.applied != null && a.applied.group().equals(group)))
        .toList();
  }

  @Override
  public synchronized List<LbAgentView> agents(GroupName group, LbGroups lbGroups) {
    return of(group, lbGroups).stream().map(a -> new LbAgentView(a.id, a.connected)).toList();
  }

  @Override
  public synchronized Map<AgentId, AgentCallResult> applyEverywhere(BackendSet set, LbGroups lbGroups, Epoch epoch) {
    Map<AgentId, AgentCallResult> out = new LinkedHashMap<>();
    List<LbAgent> members = of(set.group(), lbGroups);
    checkAdmission(set, members);
    for (LbAgent a : members) {
      if (!a.reachable) {
        out.put(a.id, AgentCallResult.failed(a.id, "UNAVAILABLE: connection refused"));
        continue;
      }
      if (a.applied == null || a.applied.version() != set.version()) {
        calls.add(a.id + " apply v" + set.version());
      }
      for (BackendServer s : set.servers()) {
        a.addedAt.putIfAbsent(s.name(), clock.instant());
      }
      a.addedAt.keySet().retainAll(set.servers().stream().map(BackendServer::name).toList());
      a.applied = set;
      a.history.add(set);
      List<ObservedServer> observed = set.servers().stream().map(s -> observe(a, s)).toList();
      out.put(a.id, AgentCallResult.ok(a.id,
          new ApplyResult(new ObservedBackend(set.group(), set.version(), epoch, set.frontendPort(), observed), false, 0)));
    }
    return out;
  }

  /**
   * A server that was listed at weight 0 (being admitted) and now gets a weight must already be UP
   * on every agent: that is the rule that keeps a server no LB has checked from taking traffic.
   */
  private void checkAdmission(BackendSet set, List<LbAgent> members) {
    for (BackendServer s : set.servers()) {
      if (s.weight() == 0 || s.adminState() != AdminState.READY) {
        continue;
      }
      for (LbAgent a : members) {
        boolean wasAdmitting = a.applied != null && a.applied.server(s.name())
            .map(p -> p.weight() == 0 && p.adminState() == AdminState.READY).orElse(false);
        if (!wasAdmitting) {
          continue;
        }
        for (LbAgent other : members) {
          Instant added = other.addedAt.get(s.name());
          if (added == null || clock.instant().isBefore(added.plus(other.checkDelay))) {
            violations.add(s.name() + " got weight " + s.weight() + " before " + other.id + " checked it UP");
          }
        }
        break;
      }
    }
  }

  private ObservedServer observe(LbAgent a, BackendServer s) {
    boolean checked = !clock.instant().isBefore(a.addedAt.get(s.name()).plus(a.checkDelay));
    return new ObservedServer(s.name(), s.address(), s.port(), s.weight(), s.adminState(), checked ? "UP" : "DOWN",
        checked ? "L4OK" : "L4CON", a.conns(s).scur());
  }

  @Override
  public synchronized Map<AgentId, AgentCallResult> swapPort(GroupName group, LbGroups lbGroups, int servicePort,
      int targetPort, Epoch epoch) {
    Map<AgentId, AgentCallResult> out = new LinkedHashMap<>();
    for (LbAgent a : of(group, lbGroups)) {
      if (!a.reachable) {
        out.put(a.id, AgentCallResult.failed(a.id, "UNAVAILABLE: connection refused"));
        continue;
      }
      a.redirectTarget = targetPort;
      calls.add(a.id + " swap " + servicePort + "->" + targetPort);
      out.put(a.id, AgentCallResult.ok(a.id));
    }
    return out;
  }

  @Override
  public synchronized Map<AgentId, ConnectionSample> latestSamples(GroupName group, LbGroups lbGroups) {
    Map<AgentId, ConnectionSample> out = new HashMap<>();
    for (LbAgent a : of(group, lbGroups)) {
      if (a.reachable && a.applied != null) {
        List<ServerConnections> servers = new ArrayList<>();
        for (BackendServer s : a.applied.servers()) {
          Conns c = a.conns(s);
          ObservedServer o = observe(a, s);
          servers.add(new ServerConnections(group, s.name(), c.scur(), 0, 0, o.status(), s.adminState(), c.oldWorkerScur()));
        }
        a.lastSample = new ConnectionSample(a.id, ++a.sequence, clock.instant(), false, servers, List.of());
      }
      if (a.lastSample != null) {
        out.put(a.id, a.lastSample);
      }
    }
    return out;
  }

  @Override
  public synchronized Map<AgentId, TrafficReading> readTraffic(GroupName group, LbGroups lbGroups) {
    Map<AgentId, TrafficReading> out = new TreeMap<>();
    for (LbAgent a : of(group, lbGroups)) {
      if (a.reachable) {
        calls.add("readTraffic " + a.id);
        out.put(a.id, a.traffic.read(a.id, a.applied, clock.instant()));
      }
    }
    return out;
  }

  @Override
  public synchronized Map<AgentId, AgentCallResult> shutdownSessions(GroupName group, LbGroups lbGroups, String server,
      Epoch epoch) {
    Map<AgentId, AgentCallResult> out = new LinkedHashMap<>();
    for (LbAgent a : of(group, lbGroups)) {
      if (!a.reachable) {
        out.put(a.id, AgentCallResult.failed(a.id, "UNAVAILABLE: connection refused"));
        continue;
      }
      a.shutdown.add(server);
      calls.add(a.id + " shutdown " + server);
      out.put(a.id, AgentCallResult.ok(a.id));
    }
    return out;
  }

  /**
   * True when, on every agent, the last sample the engine could have seen shows the server out of
   * rotation with no connection in any worker. The kill invariant checks this.
   */
  public synchronized boolean drainedEverywhere(String server) {
    for (LbAgent a : agents.values()) {
      if (a.history.stream().noneMatch(set -> set.server(server).isPresent())) {
        continue; // never told about the server: it cannot route to it
      }
      ConnectionSample s = a.lastSample;
      if (s == null) {
        return false;
      }
      ServerConnections c = s.servers().stream().filter(x -> x.server().equals(server)).findFirst().orElse(null);
      if (c == null || c.adminState() == AdminState.READY || c.scur() != 0 || c.qcur() != 0 || c.oldWorkerScur() != 0) {
        return false;
      }
    }
    return true;
  }
}
