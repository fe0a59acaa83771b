package io.zdd.coordinator.engine.port;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.TrafficReading;
import io.zdd.coordinator.engine.LbGroups;
import java.util.List;
import java.util.Map;

/**
 * The load-balancer agents, as the engine sees them. Every per-agent call has a deadline in the
 * adapter; a failing agent is reported in its {@link AgentCallResult}, never thrown, so one slow
 * LB cannot hide what the others did.
 *
 * <p>The agents of a deployment group are those whose Marathon-LB groups serve the app
 * ({@link LbGroups#servedBy}) plus every agent that still holds the group's servers (it says so
 * in its registration or its connection samples), whatever its membership: such an LB may still
 * route to blue tasks, so it gets the group's sets and its connections count for every drain.
 */
public interface LbFleetPort {
  /** The agents of {@code group} (every one must confirm a change before it counts as done). */
  List<LbAgentView> agents(GroupName group, LbGroups lbGroups);

  /** Sends {@code set} to every agent of its group; each answers with its read-back. */
  Map<AgentId, AgentCallResult> applyEverywhere(BackendSet set, LbGroups lbGroups, Epoch epoch);

  /** Points the public {@code servicePort} at {@code targetPort} on every agent (iptables REDIRECT). */
  Map<AgentId, AgentCallResult> swapPort(GroupName group, LbGroups lbGroups, int servicePort, int targetPort,
      Epoch epoch);

  /** The newest connection sample each agent of the group streamed (agents without one are absent). */
  Map<AgentId, ConnectionSample> latestSamples(GroupName group, LbGroups lbGroups);

  /**
   * The LB-observed traffic counters of the group's servers on every agent of the group, read now
   * with a per-agent deadline; an agent that does not answer in time is absent (never thrown).
   */
  Map<AgentId, TrafficReading> readTraffic(GroupName group, LbGroups lbGroups);

  /** {@code shutdown sessions server} for one server of the group on every agent. */
  Map<AgentId, AgentCallResult> shutdownSessions(GroupName group, LbGroups lbGroups, String server, Epoch epoch);
}
