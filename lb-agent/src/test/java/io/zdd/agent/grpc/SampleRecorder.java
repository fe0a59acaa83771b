package io.zdd.agent.grpc;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.ConnectionSample;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Client side of a WatchConnections stream that records what arrives; optionally pulls by hand. */
final class SampleRecorder implements ClientResponseObserver<WatchConnectionsRequest, ConnectionSample> {
  final List<ConnectionSample> received = new CopyOnWriteArrayList<>();
  /** Wall-clock arrival time of each received sample, in Unix milliseconds. */
  final List<Long> receivedAtMs = new CopyOnWriteArrayList<>();
  private final int manualInitialRequest; // < 0: automatic flow control
  volatile ClientCallStreamObserver<WatchConnectionsRequest> call;
  volatile Throwable error;
  volatile boolean completed;

  private SampleRecorder(int manualInitialRequest) {
    this.manualInitialRequest = manualInitialRequest;
  }

  static SampleRecorder automatic() {
    return new SampleRecorder(-1);
  }

  /** Messages are delivered only as the test requests them; {@code initial} requested up front. */
  static SampleRecorder manual(int initial) {
    return new SampleRecorder(initial);
  }

  /**
   * Opens the watch with {@code first}. Without credit it then half-closes, as a client generated
   * for a server-streaming method does; with credit the stream stays open for {@link #grant}.
   */
  SampleRecorder watch(LbAgentGrpc.LbAgentStub stub, WatchConnectionsRequest first) {
    StreamObserver<WatchConnectionsRequest> requests = stub.watchConnections(this);
    requests.onNext(first);
    if (first.getCredit() == 0) {
      requests.onCompleted();
    }
    return this;
  }

  /** Grants the agent {@code samples} more samples. */
  void grant(int samples) {
    call.onNext(WatchConnectionsRequest.newBuilder().setCredit(samples).build());
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<WatchConnectionsRequest> requestStream) {
    call = requestStream;
    if (manualInitialRequest >= 0) {
      requestStream.disableAutoRequestWithInitial(manualInitialRequest);
    }
  }

  @Override
  public void onNext(ConnectionSample value) {
    receivedAtMs.add(System.currentTimeMillis());
    received.add(value);
  }

  @Override
  public void onError(Throwable t) {
    error = t;
  }

  @Override
  public void onCompleted() {
    completed = true;
  }

  ConnectionSample last() {
    return received.get(received.size() - 1);
  }
}
