package io.zdd.coordinator.engine;

import io.zdd.common.model.AgentId;

/**
 * Drain progress on one LB.
 *
 * @param fresh false when the LB sent no sample since the drain started (it then counts as not drained)
 */
public record LbDrainProgress(
    AgentId agent, int serversTotal, int serversDrained, long connections, boolean fresh) {}
