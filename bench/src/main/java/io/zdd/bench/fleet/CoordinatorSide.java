package io.zdd.bench.fleet;

import io.zdd.common.concurrent.Backoff;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.tls.ClusterCertificates;
import io.zdd.common.tls.GrpcSecurity;
import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.engine.LbGroups;
import io.zdd.coordinator.engine.port.AgentCallResult;
import io.zdd.coordinator.engine.port.LbAgentView;
import io.zdd.coordinator.fleet.AgentEndpoint;
import io.zdd.coordinator.fleet.AgentFleet;
import io.zdd.coordinator.fleet.FleetPortAdapter;
import io.zdd.coordinator.fleet.StaticAgentDirectory;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's fleet layer, wired as {@code Coordinator} wires it for a static agent list
 * (its {@code --agents} flag, so no ZooKeeper session per agent): a {@link StaticAgentDirectory},
 * an {@link AgentFleet} with one mutual-TLS channel per agent that must prove that agent's
 * identity (keep-alive 30 s) and a WatchConnections stream each, and the engine's
 * {@link FleetPortAdapter} on a cached pool of call threads. The bench uses only
 * {@link FleetPortAdapter#applyEverywhere} and {@link FleetPortAdapter#agents}, the engine's API.
 */
final class CoordinatorSide implements AutoCloseable {
  /** Every bench agent is started for Marathon-LB group {@code *}, which serves every app. */
  static final LbGroups APP_LB_GROUPS = LbGroups.NONE;

  private final GrpcSecurity security;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService calls;
  private final AgentFleet fleet;
  private final FleetPortAdapter port;

  CoordinatorSide(Path pki, List<FleetAgents.Started> agents, Duration callDeadline, Duration sampleInterval)
      throws Exception {
    ClusterCertificates certs = ClusterCertificates.openOrCreate(pki, FleetBench.TRUST_DOMAIN, Duration.ofDays(1),
        Clock.systemUTC());
    security = GrpcSecurity.open(Optional.of(certs.issue(SpiffeId.Role.COORDINATOR, "fleet-bench")),
        "fleet bench coordinator");
    scheduler = Executors.newScheduledThreadPool(2, new NamedThreadFactory("coord-sched"));
    calls = Executors.newCachedThreadPool(new NamedThreadFactory("coord-agent-call"));
    List<AgentEndpoint> endpoints = agents.stream().map(a -> new AgentEndpoint(AgentId.of(a.id()),
        "127.0.0.1:" + a.grpcPort(), "", List.of(LbGroups.WILDCARD), List.of())).toList();
    fleet = new AgentFleet(new StaticAgentDirectory(endpoints),
        e -> security.channel(e.host(), e.port(),
                id -> id.role() == SpiffeId.Role.AGENT && id.name().equals(e.id().value()), "agent " + e.id())
            .keepAliveTime(30, TimeUnit.SECONDS).build(),
        callDeadline,
        WatchConnectionsRequest.newBuilder().setIntervalMs((int) sampleInterval.toMillis()).build(),
        scheduler, Backoff::standard, Clock.systemUTC(), sample -> { });
    fleet.start();
    port = new FleetPortAdapter(fleet, calls);
  }

  /** One traffic step as the engine makes it: the set to every agent serving the group, answers by agent. */
  Map<AgentId, AgentCallResult> applyEverywhere(BackendSet set, Epoch epoch) {
    return port.applyEverywhere(set, APP_LB_GROUPS, epoch);
  }

  /** Agents whose WatchConnections stream is up, as the engine sees them. */
  long connected(GroupName group) {
    return port.agents(group, APP_LB_GROUPS).stream().filter(LbAgentView::connected).count();
  }

  @Override
  public void close() {
    fleet.close();
    calls.shutdownNow();
    scheduler.shutdownNow();
    security.close();
  }
}
