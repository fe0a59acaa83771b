package io.zdd.coordinator.engine;

import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerConnections;
import io.zdd.coordinator.engine.port.LbAgentView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides which servers are drained: on EVERY LB serving the group, a sample taken after the drain
 * started and no older than the freshness limit shows the server out of rotation (DRAIN or MAINT)
 * with scur + qcur = 0, including sessions old HAProxy workers still hold. An LB with no fresh
 * sample, or whose sample does not list the server, has not drained it. Pure.
 */
public final class DrainJudge {
  private DrainJudge() {}

  /** Per-LB progress, and the servers drained on every LB. */
  public record Verdict(List<LbDrainProgress> perLb, Set<String> drainedEverywhere) {}

  /**
   * The servers of each group that are not drained on the sampling LB: in rotation, or holding
   * or queueing a session in any worker. A server leaving this set is the only sample that can
   * end a drain.
   */
  public static Map<GroupName, Set<String>> notDrained(ConnectionSample sample) {
    Map<GroupName, Set<String>> out = new HashMap<>();
    for (ServerConnections c : sample.servers()) {
      Set<String> busy = out.computeIfAbsent(c.group(), g -> new HashSet<>());
      if (!drained(c)) {
        busy.add(c.server());
      }
    }
    return out;
  }

  private static boolean drained(ServerConnections c) {
    return c.adminState() != AdminState.READY && c.scur() == 0 && c.qcur() == 0 && c.oldWorkerScur() == 0;
  }

  public static Verdict judge(GroupName group, List<LbAgentView> agents, Map<AgentId, ConnectionSample> samples,
      Collection<String> servers, Instant drainStartedAt, Instant now, Duration maxAge) {
    return judge(group, agents, samples, servers, Set.copyOf(servers), drainStartedAt, now, maxAge);
  }

  /**
   * @param listed the servers the desired backend set still lists. A server that is not listed
   *     (a task that never served, or already dropped) is drained on an LB whose fresh sample no
   *     longer shows it; one that is listed must be shown, out of rotation and idle.
   */
  public static Verdict judge(GroupName group, List<LbAgentView> agents, Map<AgentId, ConnectionSample> samples,
      Collection<String> servers, Set<String> listed, Instant drainStartedAt, Instant now, Duration maxAge) {
    Set<String> drained = new HashSet<>(servers);
    List<LbDrainProgress> progress = new ArrayList<>();
    if (agents.isEmpty()) {
      // Nobody can vouch for the drain; never treat "no LB" as "all LBs drained".
      drained.clear();
    }
    for (LbAgentView agent : agents) {
      ConnectionSample sample = samples.get(agent.id());
      boolean fresh = sample != null && !sample.sampledAt().isBefore(drainStartedAt)
          && Duration.between(sample.sampledAt(), now).compareTo(maxAge) <= 0;
      int drainedHere = 0;
      long connections = 0;
      for (String server : servers) {
        ServerConnections c = fresh ? sample.server(group, server).orElse(null) : null;
        if (c != null) {
          connections += (long) c.scur() + c.qcur();
        }
        boolean idle = c != null ? drained(c) : fresh && !listed.contains(server);
        if (idle) {
          drainedHere++;
        } else {
          drained.remove(server);
        }
      }
      progress.add(new LbDrainProgress(agent.id(), servers.size(), drainedHere, connections, fresh));
    }
    return new Verdict(progress, drained);
  }
}
