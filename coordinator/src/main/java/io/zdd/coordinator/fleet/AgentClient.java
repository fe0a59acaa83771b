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
import io.zdd.proto.v1.SwapPortRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

  private LbAgentGrpc.LbAgentBlockingStub withDeadline() {
    return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  public ApplyResult apply(Epoch epoch, BackendSet set) {
    try {
      return ProtoMapper.applyResult(withDeadline().applyBackends(ApplyBackendsRequest.newBuilder()
          .setEpoch(epoch.value())
          .setBackendSet(ProtoMapper.toProto(set))
          .build()));
    } catch (StatusRuntimeException e) {
      throw StatusMapper.toException(e);
    }
  }

  public boolean removeGroup(Epoch epoch, GroupName group) {
    try {
      return withDeadline().removeGroup(RemoveGroupRequest.newBuilder()
          .setEpoch(epoch.value()).setGroup(group.value()).build()).getRemoved();
    } catch (StatusRuntimeException e) {
      throw StatusMapper.toException(e);
    }
  }

  /** Aligns the agent's fence with ZooKeeper's leader epoch; returns its highest epoch before. */
  public long resetFence(Epoch epoch) {
    try {
      return withDeadline().resetFence(io.zdd.proto.v1.ResetFenceRequest.newBuilder().setEpoch(epoch.value()).build())
          .getPreviousHighestEpoch();
    } catch (StatusRuntimeException e) {
      throw StatusMapper.toException(e);
    }
  }

  /** Returns the zdd REDIRECT rules read back after the change. */
  public List<PortRedirect> swapPort(Epoch epoch, GroupName group, int servicePort, int targetPort) {
    try {
      return withDeadline().swapPort(SwapPortRequest.newBuilder()
              .setEpoch(epoch.value()).setGroup(group.value())
              .setServicePort(servicePort).setTargetPort(targetPort).build())
          .getRedirectsList().stream().map(ProtoMapper::portRedirect).toList();
    } catch (StatusRuntimeException e) {
      throw StatusMapper.toException(e);
    }
  }

  /** Cuts the sessions of one server; returns how many it held. */
  public int shutdownSessions(Epoch epoch, GroupName group, String server) {
    try {
      return withDeadline().shutdownSessions(io.zdd.proto.v1.ShutdownSessionsRequest.newBuilder()
          .setEpoch(epoch.value()).setGroup(group.value()).setServer(server).build()).getSessionsCut();
    } catch (StatusRuntimeException e) {
      throw StatusMapper.toException(e);
    }
  }

  public AgentStateView state() {
    try {
      return ProtoMapper.agentState(withDeadline().getState(GetStateRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      throw StatusMapper.toException(e);
    }
  }
}
