package io.zdd.coordinator.fleet;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.zdd.common.grpc.ProtoMapper;
import io.zdd.common.grpc.StatusMapper;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.AgentStateView;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.PortRedirect;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.RemoveGroupRequest;
import io.zdd.proto.v1.ResetFenceRequest;
import io.zdd.proto.v1.ShutdownSessionsRequest;
import io.zdd.proto.v1.SwapPortRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Unary calls to one agent, each with its own deadline, every command stamped with the caller's
 * epoch. Failures come back as domain exceptions ({@link StatusMapper#toException}), so callers
 * never handle gRPC types. Takes a {@link Channel}; the channel's owner shuts it down.
 */
public final class AgentClient {
  private final AgentId agent;
  private final LbAgentGrpc.LbAgentBlockingStub stub;
  private final Duration deadline;

  public AgentClient(AgentId agent, Channel channel, Duration deadline) {
    this.agent = agent;
    this.stub = LbAgentGrpc.newBlockingStub(channel);
    this.deadline = deadline;
  }

  public AgentId agent() {
    return agent;
  }

  /** The one way a call is made: with this client's deadline, failures as domain exceptions. */
  private <T> T call(Function<LbAgentGrpc.LbAgentBlockingStub, T> rpc) {
    try {
      return rpc.apply(stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
    } catch (StatusRuntimeException e) {
      throw StatusMapper.toException(e);
    }
  }

  public ApplyResult apply(Epoch epoch, BackendSet set) {
    return ProtoMapper.applyResult(call(s -> s.applyBackends(ApplyBackendsRequest.newBuilder()
        .setEpoch(epoch.value())
        .setBackendSet(ProtoMapper.toProto(set))
        .build())));
  }

  public boolean removeGroup(Epoch epoch, GroupName group) {
    return call(s -> s.removeGroup(RemoveGroupRequest.newBuilder()
        .setEpoch(epoch.value()).setGroup(group.value()).build())).getRemoved();
  }

  /** Aligns the agent's fence with ZooKeeper's leader epoch; returns its highest epoch before. */
  public long resetFence(Epoch epoch) {
    return call(s -> s.resetFence(ResetFenceRequest.newBuilder().setEpoch(epoch.value()).build()))
        .getPreviousHighestEpoch();
  }

  /** Returns the zdd REDIRECT rules read back after the change. */
  public List<PortRedirect> swapPort(Epoch epoch, GroupName group, int servicePort, int targetPort) {
    return call(s -> s.swapPort(SwapPortRequest.newBuilder()
            .setEpoch(epoch.value()).setGroup(group.value())
            .setServicePort(servicePort).setTargetPort(targetPort).build()))
        .getRedirectsList().stream().map(ProtoMapper::portRedirect).toList();
  }

  /** Cuts the sessions of one server; returns how many it held. */
  public int shutdownSessions(Epoch epoch, GroupName group, String server) {
    return call(s -> s.shutdownSessions(ShutdownSessionsRequest.newBuilder()
        .setEpoch(epoch.value()).setGroup(group.value()).setServer(server).build())).getSessionsCut();
  }

  public AgentStateView state() {
    return ProtoMapper.agentState(call(s -> s.getState(GetStateRequest.getDefaultInstance())));
  }
}
