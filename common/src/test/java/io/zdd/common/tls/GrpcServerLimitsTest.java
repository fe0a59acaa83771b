package io.zdd.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.grpc.GrpcServerLimits;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.RemoveGroupRequest;
import io.zdd.proto.v1.RemoveGroupResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The limits of {@link GrpcSecurity#server} over real Netty sockets: a message above the size
 * limit never reaches a handler, and calls on one connection beyond the concurrency limit wait
 * instead of taking threads or handlers.
 */
class GrpcServerLimitsTest {
  private static final int THREADS = 8;
  private static final int CONCURRENT_CALLS = 5;

  private final GrpcSecurity security = openInsecure();
  private final AtomicInteger handled = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger mostRunning = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private Server server;
  private ManagedChannel channel;

  private static GrpcSecurity openInsecure() {
    try {
      return GrpcSecurity.open(Optional.empty(), "limits test");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** RemoveGroup of group "block" waits for {@link #release}; every call that reaches the handler is counted. */
  private final class Blocking extends LbAgentGrpc.LbAgentImplBase {
    @Override
    public void removeGroup(RemoveGroupRequest request, StreamObserver<RemoveGroupResponse> out) {
      handled.incrementAndGet();
      mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        if (request.getGroup().equals("block")) {
          release.await(60, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        running.decrementAndGet();
      }
      out.onNext(RemoveGroupResponse.newBuilder().setRemoved(true).build());
      out.onCompleted();
    }
  }

  private LbAgentGrpc.LbAgentStub start(GrpcServerLimits limits) throws Exception {
    server = security.server(new InetSocketAddress("127.0.0.1", 0), "limits", limits).addService(new Blocking())
        .build().start();
    channel = security.channel("127.0.0.1", server.getPort(), SpiffeId.Role.AGENT)
        .maxInboundMessageSize(64 << 20).build();
    return LbAgentGrpc.newStub(channel);
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    security.close();
  }

  @Test
  void aMessageAboveTheLimitIsRefusedBeforeAnyHandlerSeesIt() throws Exception {
    start(new GrpcServerLimits(THREADS, 64 << 10, CONCURRENT_CALLS));
    LbAgentGrpc.LbAgentBlockingStub stub = LbAgentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> stub.removeGroup(RemoveGroupRequest.newBuilder().setGroup("g".repeat(65 << 10))
        .setEpoch(1).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(handled).as("the handler never ran").hasValue(0);

    // The connection is still good for a message within the limit.
    assertThat(stub.removeGroup(RemoveGroupRequest.newBuilder().setGroup("g".repeat(60 << 10)).build()).getRemoved())
        .isTrue();
    assertThat(handled).hasValue(1);
  }

  @Test
  void manyConcurrentCallsOnOneConnectionUseBoundedHandlersAndThreads() throws Exception {
    LbAgentGrpc.LbAgentStub stub = start(new GrpcServerLimits(THREADS, 1 << 20, CONCURRENT_CALLS));
    int calls = 400;
    CountDownLatch done = new CountDownLatch(calls);
    List<Status> failures = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      stub.withDeadlineAfter(60, TimeUnit.SECONDS).removeGroup(RemoveGroupRequest.newBuilder().setGroup("block").build(),
          new StreamObserver<>() {
            @Override
            public void onNext(RemoveGroupResponse value) { }

            @Override
            public void onError(Throwable t) {
              synchronized (failures) {
                failures.add(Status.fromThrowable(t));
              }
              done.countDown();
            }

            @Override
            public void onCompleted() {
              done.countDown();
            }
          });
    }
    // The connection's limit is reached: that many handlers are blocked, the rest wait in the client.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(running).hasValue(CONCURRENT_CALLS));
    assertThat(liveThreads("limits-grpc-")).isLessThanOrEqualTo(THREADS);
    assertThat(handled).hasValue(CONCURRENT_CALLS);

    release.countDown();
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(failures).isEmpty();
    assertThat(handled).hasValue(calls);
    assertThat(mostRunning.get()).as("handlers running at once").isLessThanOrEqualTo(CONCURRENT_CALLS);
    assertThat(liveThreads("limits-grpc-")).isLessThanOrEqualTo(THREADS);
  }

  @Test
  void limitsOutsideTheirRangeAreRefusedNamingTheFlag() {
    assertThatThrownBy(() -> new GrpcServerLimits(THREADS, 0, CONCURRENT_CALLS))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("--max-message-size");
    assertThatThrownBy(() -> new GrpcServerLimits(THREADS, 1 << 20, 0))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("--max-concurrent-calls");
    assertThatThrownBy(() -> new GrpcServerLimits(THREADS, 1 << 30, CONCURRENT_CALLS))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("--max-message-size");
  }

  private static long liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .count();
  }
}
