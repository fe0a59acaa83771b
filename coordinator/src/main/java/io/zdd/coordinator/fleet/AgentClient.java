package io.zdd.coordinator.fleet;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.zdd.common.grpc.ProtoMapper;
import io.zdd.common.grpc.StatusMapper;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.AgentStateView;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.TrafficReading;
import io.zdd.common.model.PortRedirect;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.RemoveGroupRequest;
import io.zdd.proto.v1.ResetFenceRequest;
import io.zdd.proto.v1.ReadTrafficRequest;
import io.zdd.proto.v1.ShutdownSessionsRequest;
import io.zdd.proto.v1.ShutdownSessionsResponse;
import io.zdd.proto.v1.SwapPortRequest;
import io.zdd.proto.v1.SwapPortResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Unary calls to one agent, each with its own deadline, every command stamped with the caller's
 * epoch. Failures come back as domain exceptions ({@link StatusMapper#toException}), so callers
 * never handle gRPC types. Takes a {@link Channel}; the channel's owner shuts it down.
 *
 * <p>The {@code …Async} calls return at once and hold no thread while the agent answers (gRPC's
 * async stub); their futures complete on a gRPC thread, exceptionally with the domain exception,
 * at the latest when the deadline passes. Cancelling such a future cancels the call.
 */
public final class AgentClient {
  private final AgentId agent;
  private final LbAgentGrpc.LbAgentBlockingStub stub;
  private final LbAgentGrpc.LbAgentStub asyncStub;
  private final Duration deadline;

  public AgentClient(AgentId agent, Channel channel, Duration deadline) {
    this.agent = agent;
    this.stub = LbAgentGrpc.newBlockingStub(channel);
    this.asyncStub = LbAgentGrpc.newStub(channel);
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

  /** The asynchronous form of {@link #call}: the request goes out now, the answer completes the future. */
  private <R, T> CompletableFuture<T> callAsync(BiConsumer<LbAgentGrpc.LbAgentStub, StreamObserver<R>> rpc,
      Function<R, T> map) {
    UnaryAnswer<R, T> answer = new UnaryAnswer<>(map);
    rpc.accept(asyncStub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS), answer);
    return answer.future;
  }

  /**
   * Completes a future with a unary call's one answer, or with the domain exception for its
   * failure. The request type does not matter here (the request went out with the call), hence Object.
   */
  private static final class UnaryAnswer<R, T> implements ClientResponseObserver<Object, R> {
    final CompletableFuture<T> future = new CompletableFuture<>();
    private final Function<R, T> map;
    private T value;

    UnaryAnswer(Function<R, T> map) {
      this.map = map;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Object> call) {
      var unused = future.whenComplete((v, e) -> {
        if (e instanceof CancellationException) {
          call.cancel("fan-out no longer waits for this answer", null);
        }
      });
    }

    @Override
    public void onNext(R response) {
      try {
        value = map.apply(response);
      } catch (RuntimeException e) {
        // An answer that does not map (validation refused it) fails this call only.
        future.completeExceptionally(e);
      }
    }

    @Override
    public void onError(Throwable t) {
      future.completeExceptionally(StatusMapper.toException(t));
    }

    @Override
    public void onCompleted() {
      future.complete(value);
    }
  }

  public ApplyResult apply(Epoch epoch, BackendSet set) {
    return ProtoMapper.applyResult(call(s -> s.applyBackends(ApplyBackendsRequest.newBuilder()
        .setEpoch(epoch.value())
        .setBackendSet(ProtoMapper.toProto(set))
        .build())));
  }

  /** {@link #apply}, asynchronously. */
  public CompletableFuture<ApplyResult> applyAsync(Epoch epoch, BackendSet set) {
    ApplyBackendsRequest request = ApplyBackendsRequest.newBuilder()
        .setEpoch(epoch.value())
        .setBackendSet(ProtoMapper.toProto(set))
        .build();
    return callAsync((s, answer) -> s.applyBackends(request, answer), ProtoMapper::applyResult);
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

  /** {@link #swapPort}, asynchronously. */
  public CompletableFuture<List<PortRedirect>> swapPortAsync(Epoch epoch, GroupName group, int servicePort,
      int targetPort) {
    SwapPortRequest request = SwapPortRequest.newBuilder()
        .setEpoch(epoch.value()).setGroup(group.value())
        .setServicePort(servicePort).setTargetPort(targetPort).build();
    return callAsync((s, answer) -> s.swapPort(request, answer),
        (SwapPortResponse r) -> r.getRedirectsList().stream().map(ProtoMapper::portRedirect).toList());
  }

  /** {@link #shutdownSessions}, asynchronously. */
  public CompletableFuture<Integer> shutdownSessionsAsync(Epoch epoch, GroupName group, String server) {
    ShutdownSessionsRequest request = ShutdownSessionsRequest.newBuilder()
        .setEpoch(epoch.value()).setGroup(group.value()).setServer(server).build();
    return callAsync((s, answer) -> s.shutdownSessions(request, answer), ShutdownSessionsResponse::getSessionsCut);
  }

  /** The traffic counters of {@code group}'s servers (ReadTraffic), asynchronously. */
  public CompletableFuture<TrafficReading> readTrafficAsync(GroupName group) {
    ReadTrafficRequest request = ReadTrafficRequest.newBuilder().addGroups(group.value()).build();
    return callAsync((s, answer) -> s.readTraffic(request, answer), ProtoMapper::traffic);
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
