package io.zdd.coordinator.fleet;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.LbGroups;
import io.zdd.coordinator.engine.port.AgentCallResult;
import io.zdd.coordinator.engine.port.LbAgentView;
import io.zdd.coordinator.engine.port.LbFleetPort;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's {@link LbFleetPort} over the {@link AgentFleet}: fleet-wide calls go to every agent
 * serving the group in parallel (each bounded by the client's deadline), and one agent's failure
 * is reported in its result, never thrown, so it cannot hide the others' answers.
 */
public final class FleetPortAdapter implements LbFleetPort {
  private static final Logger log = LoggerFactory.getLogger(FleetPortAdapter.class);

  private final AgentFleet fleet;
  private final ExecutorService calls;

  /** @param calls runs the per-agent calls of one fleet-wide call side by side */
  public FleetPortAdapter(AgentFleet fleet, ExecutorService calls) {
    this.fleet = fleet;
    this.calls = calls;
  }

  @Override
  public List<LbAgentView> agents(GroupName group, LbGroups lbGroups) {
    return fleet.serving(group.value(), lbGroups).stream()
        .map(m -> new LbAgentView(m.endpoint().id(), m.subscription().connected()))
        .toList();
  }

  @Override
  public Map<AgentId, AgentCallResult> applyEverywhere(BackendSet set, LbGroups lbGroups, Epoch epoch) {
    return everywhere(set.group(), lbGroups, "apply " + set.group() + " v" + set.version(),
        m -> AgentCallResult.ok(m.endpoint().id(), m.client().apply(epoch, set)));
  }

  @Override
  public Map<AgentId, AgentCallResult> swapPort(GroupName group, LbGroups lbGroups, int servicePort, int targetPort,
      Epoch epoch) {
    return everywhere(group, lbGroups, "swap port " + servicePort + "->" + targetPort, m -> {
      m.client().swapPort(epoch, group, servicePort, targetPort);
      return AgentCallResult.ok(m.endpoint().id());
    });
  }

  @Override
  public Map<AgentId, ConnectionSample> latestSamples(GroupName group, LbGroups lbGroups) {
    Map<AgentId, ConnectionSample> out = new LinkedHashMap<>();
    for (AgentFleet.Member m : fleet.serving(group.value(), lbGroups)) {
      m.subscription().latest().ifPresent(s -> out.put(m.endpoint().id(), s));
    }
    return out;
  }

  @Override
  public Map<AgentId, AgentCallResult> shutdownSessions(GroupName group, LbGroups lbGroups, String server,
      Epoch epoch) {
    return everywhere(group, lbGroups, "shutdown sessions " + group + "/" + server, m -> {
      m.client().shutdownSessions(epoch, group, server);
      return AgentCallResult.ok(m.endpoint().id());
    });
  }

  private Map<AgentId, AgentCallResult> everywhere(GroupName group, LbGroups lbGroups, String what,
      Function<AgentFleet.Member, AgentCallResult> call) {
    List<AgentFleet.Member> members = fleet.serving(group.value(), lbGroups);
    List<CompletableFuture<AgentCallResult>> futures = new ArrayList<>();
    for (AgentFleet.Member m : members) {
      futures.add(CompletableFuture.supplyAsync(() -> {
        try {
          return call.apply(m);
        } catch (RuntimeException e) {
          log.warn("[agent={}] {} failed: {}", m.endpoint().id(), what, e.getMessage());
          return AgentCallResult.failed(m.endpoint().id(), e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }, calls));
    }
    Map<AgentId, AgentCallResult> out = new LinkedHashMap<>();
    for (CompletableFuture<AgentCallResult> f : futures) {
      AgentCallResult r = f.join(); // each call is bounded by the client's deadline
      out.put(r.agent(), r);
    }
    return out;
  }
}
