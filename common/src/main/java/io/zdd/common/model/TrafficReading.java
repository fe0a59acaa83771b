package io.zdd.common.model;

import java.time.Instant;
import java.util.List;

/** One reading of an agent's traffic counters ({@link ServerTraffic}), in (group, server) order. */
public record TrafficReading(AgentId agent, Instant sampledAt, List<ServerTraffic> servers) {
  public TrafficReading {
    servers = List.copyOf(servers);
  }
}
