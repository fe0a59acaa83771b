package io.zdd.common.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One sample of connection counts taken by one agent.
 *
 * @param sequence increases per sample taken; gaps mean the stream coalesced samples
 * @param heartbeat true when sent only because nothing changed for a heartbeat interval
 */
public record ConnectionSample(
    AgentId agent,
    long sequence,
    Instant sampledAt,
    boolean heartbeat,
    List<ServerConnections> servers,
    List<WorkerConnections> workers) {
  public ConnectionSample {
    servers = List.copyOf(servers);
    workers = List.copyOf(workers);
  }

  public Optional<ServerConnections> server(GroupName group, String name) {
    return servers.stream()
        .filter(s -> s.group().equals(group) && s.server().equals(name))
        .findFirst();
  }

  /** Same counts, ignoring sequence, time and heartbeat: used to send only changes. */
  public boolean sameCountsAs(ConnectionSample other) {
    return other != null && servers.equals(other.servers) && workers.equals(other.workers);
  }
}
