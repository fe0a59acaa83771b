package io.zdd.coordinator.engine.port;

import io.zdd.common.model.AgentId;

/** One load balancer's agent serving a group, as the fleet knows it. */
public record LbAgentView(AgentId id, boolean connected) {}
