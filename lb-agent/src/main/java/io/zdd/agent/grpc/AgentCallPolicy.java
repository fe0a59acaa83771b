package io.zdd.agent.grpc;

import io.zdd.common.tls.PeerAuthentication;
import io.zdd.common.tls.SpiffeId;
import io.zdd.proto.v1.LbAgentGrpc;
import java.util.Optional;
import java.util.Set;

/**
 * Who may call the agent: every identity of the cluster may read ({@code GetState},
 * {@code WatchConnections}); only coordinators may change anything.
 */
public final class AgentCallPolicy implements PeerAuthentication.Policy {
  private static final Set<String> WRITES = Set.of(
      LbAgentGrpc.getApplyBackendsMethod().getFullMethodName(),
      LbAgentGrpc.getRemoveGroupMethod().getFullMethodName(),
      LbAgentGrpc.getSwapPortMethod().getFullMethodName(),
      LbAgentGrpc.getShutdownSessionsMethod().getFullMethodName(),
      LbAgentGrpc.getResetFenceMethod().getFullMethodName());

  @Override
  public Optional<String> refuse(String fullMethodName, SpiffeId caller) {
    if (caller.role() == SpiffeId.Role.ZOOKEEPER) {
      return Optional.of("a ZooKeeper server certificate may call nothing");
    }
    if (WRITES.contains(fullMethodName) && caller.role() != SpiffeId.Role.COORDINATOR) {
      return Optional.of("only a coordinator certificate may change a load balancer");
    }
    return Optional.empty();
  }
}
