package io.zdd.bench.fleet;

import io.zdd.common.model.AdminState;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ObservedServer;
import io.zdd.common.model.ProxyMode;
import io.zdd.coordinator.engine.port.AgentCallResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The backend sets of a canary's traffic steps: one group, two blue and two green servers, and
 * at step {@code v} (the set's version) green gets {@code p} percent of the weight, blue the rest,
 * with {@code p} moving by 10 each step so every step changes every server's weight (a
 * weight-only change: no reload). Version 1 is the first set, which creates the group.
 */
final class TrafficSteps {
  static final GroupName GROUP = GroupName.of("fleet-bench");

  private final int frontendPort;

  TrafficSteps(int frontendPort) {
    this.frontendPort = frontendPort;
  }

  /** Green's share at version {@code v}: 5, 15, …, 85, then again. */
  static int greenPercent(long v) {
    return 5 + (int) (v * 10 % 90);
  }

  BackendSet set(long version) {
    int green = greenPercent(version);
    List<BackendServer> servers = new ArrayList<>();
    // Port 9 (discard) on loopback: real HAProxies get no traffic and run no checks, so nothing listens.
    servers.add(server("blue-1", 9, 100 - green, Colour.BLUE));
    servers.add(server("blue-2", 9, 100 - green, Colour.BLUE));
    servers.add(server("green-1", 9, green, Colour.GREEN));
    servers.add(server("green-2", 9, green, Colour.GREEN));
    return new BackendSet(GROUP, version, frontendPort, ProxyMode.HTTP, "roundrobin", Optional.empty(), servers,
        List.of());
  }

  private static BackendServer server(String name, int port, int weight, Colour colour) {
    return new BackendServer(name, "127.0.0.1", port, weight, AdminState.READY, colour, "");
  }

  /**
   * Why an agent's answer does not confirm {@code set}, or empty when it does: the call succeeded
   * and its read-back (HAProxy's {@code show servers state} after the change) shows the set's
   * version and every server at its weight, in service.
   */
  static Optional<String> unconfirmed(BackendSet set, AgentCallResult r) {
    if (!r.ok()) {
      return Optional.of(r.agent() + ": " + r.error());
    }
    if (r.applied().isEmpty()) {
      return Optional.of(r.agent() + ": no read-back");
    }
    ApplyResult a = r.applied().get();
    if (a.observed().appliedVersion() != set.version()) {
      return Optional.of(r.agent() + ": read-back version " + a.observed().appliedVersion() + ", sent " + set.version());
    }
    for (BackendServer s : set.servers()) {
      Optional<ObservedServer> o = a.observed().server(s.name());
      if (o.isEmpty()) {
        return Optional.of(r.agent() + ": read-back lacks server " + s.name());
      }
      if (o.get().weight() != s.weight() || o.get().adminState() != s.adminState()) {
        return Optional.of(r.agent() + ": " + s.name() + " reads back weight " + o.get().weight() + " "
            + o.get().adminState() + ", sent " + s.weight() + " " + s.adminState());
      }
    }
    return Optional.empty();
  }
}
