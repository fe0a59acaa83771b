package io.zdd.coordinator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.zdd.common.concurrent.Backoff;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.testing.GrpcInProcessExtension;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.ServerConnections;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConnectionSubscriptionTest {
  @RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("test-sub"));

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  /**
   * Stands in for an agent's stream: each call sends {@code perCall} samples whose sequence
   * continues across calls, then fails the stream with UNAVAILABLE (as a restarting agent would).
   */
  static final class FlakyAgent extends LbAgentGrpc.LbAgentImplBase {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger seq = new AtomicInteger();
    final int perCall;
    final int callsBeforeHealthy;

    FlakyAgent(int perCall, int failingCallsFirst) {
      this.perCall = perCall;
      this.callsBeforeHealthy = failingCallsFirst;
    }

    @Override
    public StreamObserver<WatchConnectionsRequest> watchConnections(
        StreamObserver<io.zdd.proto.v1.ConnectionSample> out) {
      return new StreamObserver<>() {
        private boolean opened;

        @Override
        public void onNext(WatchConnectionsRequest request) {
          // Later messages only grant credit; this agent sends its burst regardless.
          if (!opened) {
            opened = true;
            serve(out);
          }
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
      };
    }

    private void serve(StreamObserver<io.zdd.proto.v1.ConnectionSample> out) {
      int call = calls.incrementAndGet();
      if (call <= callsBeforeHealthy) {
        out.onError(Status.UNAVAILABLE.withDescription("not yet").asRuntimeException());
        return;
      }
      for (int i = 0; i < perCall; i++) {
        int s = seq.incrementAndGet();
        out.onNext(io.zdd.proto.v1.ConnectionSample.newBuilder()
            .setAgentId("lb-1").setSequence(s).setSampledAtUnixMs(1000L * s)
            .addServers(ServerConnections.newBuilder().setGroup("web").setServer("a").setScur(s))
            .build());
      }
      out.onError(Status.UNAVAILABLE.withDescription("agent restarting").asRuntimeException());
    }
  }

  private static Backoff fastBackoff() {
    return new Backoff(Duration.ofMillis(5), Duration.ofMillis(50), 2.0, 0.0, () -> 0);
  }

  @Test
  void streamEndingWithError_isReopened_andSamplesKeepFlowing() {
    FlakyAgent agent = new FlakyAgent(3, 0);
    List<ConnectionSample> got = new CopyOnWriteArrayList<>();
    Backoff backoff = fastBackoff();
    try (var sub = new ConnectionSubscription(AgentId.of("lb-1"), grpc.start(agent),
        WatchConnectionsRequest.getDefaultInstance(), scheduler, backoff, Clock.systemUTC(), got::add)) {
      sub.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> got.size() >= 9);
      assertThat(agent.calls.get()).isGreaterThanOrEqualTo(3);
      assertThat(got.stream().mapToLong(ConnectionSample::sequence).limit(9))
          .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
      assertThat(sub.latest()).isPresent();
    }
  }

  @Test
  void streamsThatFailBeforeFirstMessage_growTheBackoff_andOneMessageResetsIt() {
    FlakyAgent agent = new FlakyAgent(1, 4);
    List<ConnectionSample> got = new CopyOnWriteArrayList<>();
    Backoff backoff = fastBackoff();
    try (var sub = new ConnectionSubscription(AgentId.of("lb-1"), grpc.start(agent),
        WatchConnectionsRequest.getDefaultInstance(), scheduler, backoff, Clock.systemUTC(), got::add)) {
      sub.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> !got.isEmpty());
      // Four failures in a row before the first message, then the first message reset the count.
      assertThat(sub.streamsOpened()).isGreaterThanOrEqualTo(5);
      await().atMost(Duration.ofSeconds(5)).until(() -> got.size() >= 2);
    }
  }

  @Test
  void close_stopsReconnecting() throws Exception {
    FlakyAgent agent = new FlakyAgent(1, 0);
    var sub = new ConnectionSubscription(AgentId.of("lb-1"), grpc.start(agent),
        WatchConnectionsRequest.getDefaultInstance(), scheduler, fastBackoff(), Clock.systemUTC(), s -> {});
    sub.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> agent.calls.get() >= 2);
    sub.close();
    int callsAtClose = agent.calls.get();
    // Let any reconnect already scheduled fire; after that no new stream may be opened.
    scheduler.submit(() -> {}).get();
    Thread.sleep(200); // a window several backoff periods long: nothing should happen in it
    assertThat(agent.calls.get()).isLessThanOrEqualTo(callsAtClose + 1);
    assertThat(sub.connected()).isFalse();
  }
}
