package io.zdd.agent.core;

import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerConnections;
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

  /** One reading. An empty {@code groups} set passed to {@link #sample} means every group. */
  record Counts(List<ServerConnections> servers, List<WorkerConnections> workers) {
    public Counts {
      servers = List.copyOf(servers);
      workers = List.copyOf(workers);
    }
  }
}
