package io.zdd.coordinator.engine.port;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import java.util.List;
import java.util.Map;

/**
 * The load-balancer agents, as the engine sees them. Every per-agent call has a deadline in the
 * adapter; a failing agent is reported in its {@link AgentCallResult}, never thrown, so one slow
 * LB cannot hide what the others did.
 */
public interface LbFleetPort {
  /** Agents serving {@code group} (every one must confirm a change before it counts as done). */
  List<LbAgentView> agents(GroupName group);

  /** Sends {@code set} to every agent serving its group; each answers with its read-back. */
  Map<AgentId, AgentCallResult> applyEverywhere(BackendSet set, Epoch epoch);

  /** Points the public {@code servicePort} at {@code targetPort} on every agent (iptables REDIRECT). */
  Map<AgentId, AgentCallResult> swapPort(GroupName group, int servicePort, int targetPort, Epoch epoch);

  /** The newest connection sample each agent streamed (agents without one are absent). */
  Map<AgentId, ConnectionSample> latestSamples(GroupName group);

  /** {@code shutdown sessions server} for one server of the group on every agent. */
  Map<AgentId, AgentCallResult> shutdownSessions(GroupName group, String server, Epoch epoch);
}
