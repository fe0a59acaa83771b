package io.zdd.common.model;

import java.time.Instant;
import java.util.List;

/** TEMPORARY stand-in until the real one lands. */
public record TrafficReading(AgentId agent, Instant sampledAt, List<ServerTraffic> servers) {}
