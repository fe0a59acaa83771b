package io.zdd.agent.grpc;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.zdd.proto.v1.ConnectionSample;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Client side of a WatchConnections stream that records what arrives; optionally pulls by hand. */
final class SampleRecorder implements ClientResponseObserver<WatchConnectionsRequest, ConnectionSample> {
  final List<ConnectionSample> received = new CopyOnWriteArrayList<>();
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

  @Override
  public void beforeStart(ClientCallStreamObserver<WatchConnectionsRequest> requestStream) {
    call = requestStream;
    if (manualInitialRequest >= 0) {
      requestStream.disableAutoRequestWithInitial(manualInitialRequest);
    }
  }

  @Override
  public void onNext(ConnectionSample value) {
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
