package io.zdd.common.model;

import java.util.List;

/** Everything one agent observes (the answer to GetState). */
public record AgentStateView(
    AgentId agent,
    Epoch highestEpoch,
    List<ObservedBackend> backends,
    List<HaproxyWorker> workers,
    List<PortRedirect> redirects,
    String haproxyVersion,
    boolean portSwapAvailable) {
  public AgentStateView {
    backends = List.copyOf(backends);
    workers = List.copyOf(workers);
    redirects = List.copyOf(redirects);
    haproxyVersion = haproxyVersion == null ? "" : haproxyVersion;
  }
}
