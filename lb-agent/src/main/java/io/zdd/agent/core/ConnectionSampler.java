package io.zdd.agent.core;

import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerConnections;
import io.zdd.common.model.ServerTraffic;
import io.zdd.common.model.WorkerConnections;
import java.util.List;
import java.util.Set;

/**
 * Reads connection counts from HAProxy: per server, summed over the current worker and every old
 * worker still draining after a reload; plus each worker's total.
 */
public interface ConnectionSampler {
  /** Counts at this moment. */
  Counts sample(Set<GroupName> groups);

  /**
   * HAProxy's traffic counters per server of {@code groups} (every group when empty), every worker
   * together, in (group, server) order; colour and task id are left for the caller, who knows
   * the applied sets. A sampler without traffic counters reports none.
   */
  default List<ServerTraffic> traffic(Set<GroupName> groups) {
    return List.of();
  }

  /** One reading. An empty {@code groups} set passed to {@link #sample} means every group. */
  record Counts(List<ServerConnections> servers, List<WorkerConnections> workers) {
    public Counts {
      servers = List.copyOf(servers);
      workers = List.copyOf(workers);
    }
  }
}
