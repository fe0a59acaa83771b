package io.zdd.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.zdd.proto.v1.AdminState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.ConnectionSample;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.ProxyMode;
import io.zdd.proto.v1.Server;
import io.zdd.proto.v1.ServerConnections;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * An agent as main wires it (real HAProxy, idle pacing on) with a watch held open all the time,
 * as the coordinator holds one: while nothing happens the agent reads HAProxy only at the idle
 * pace, yet a drain started by ApplyBackends is watched at the fast pace until the server's last
 * connection has gone, and that 0 reaches the stream well before an idle reading would show it.
 */
class IdleAgentDrainIT {
  /** Far longer than the fast 100 ms: a sample arriving well within it was read at the fast pace. */
  private static final Duration IDLE = Duration.ofSeconds(5);

  @TempDir Path work;
  private AgentMain.Running agent;
  private ServerSocket app;
  private final List<Socket> appSide = new CopyOnWriteArrayList<>();
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    app = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (!app.isClosed()) {
        try {
          appSide.add(app.accept()); // held open: a session on the server until the client leaves
        } catch (IOException e) {
          return;
        }
      }
    }, "idle-it-app");
    acceptor.setDaemon(true);
    acceptor.start();
    AgentMain main = new AgentMain();
    new CommandLine(main).parseArgs("--insecure", "--agent-id", "lb-idle", "--grpc-listen", "127.0.0.1:0",
        "--metrics-listen", "127.0.0.1:0", "--data-dir", work.resolve("data").toString(),
        "--haproxy-run-dir", work.resolve("run").toString(), "--hard-stop-after", "2s",
        "--frontend-bind-address", "127.0.0.1", "--frontend-port-range", "1024-65535", "--shutdown-grace", "1s",
        "--sample-interval", "100ms", "--idle-sample-interval", IDLE.toMillis() + "ms",
        "--sample-hot-window", "1s");
    agent = AgentMain.Running.start(main.config);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", agent.grpcPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    if (agent != null) {
      agent.close();
    }
    for (Socket s : appSide) {
      s.close();
    }
    app.close();
  }

  private ApplyBackendsRequest apply(long version, int frontendPort, AdminState state) {
    return ApplyBackendsRequest.newBuilder().setEpoch(1).setBackendSet(BackendSet.newBuilder().setGroup("web")
        .setVersion(version).setFrontendPort(frontendPort).setMode(ProxyMode.TCP)
        .addServers(Server.newBuilder().setName("s1").setAddress("127.0.0.1").setPort(app.getLocalPort())
            .setWeight(100).setAdminState(state))).build();
  }

  /** One received sample. */
  private record Received(ConnectionSample sample) {
    ServerConnections s1() {
      return sample.getServersList().stream().filter(s -> s.getServer().equals("s1")).findFirst().orElseThrow();
    }
  }

  @Test
  void idleAgent_readsSlowly_butADrainIsWatchedFast_untilItsLastConnectionIsGone() throws Exception {
    int frontend;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      frontend = free.getLocalPort();
    }
    var stub = LbAgentGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    stub.applyBackends(apply(1, frontend, AdminState.READY));

    List<Received> got = new CopyOnWriteArrayList<>();
    LbAgentGrpc.newStub(channel).watchConnections(new StreamObserver<>() {
      @Override
      public void onNext(ConnectionSample value) {
        got.add(new Received(value));
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    }).onNext(WatchConnectionsRequest.newBuilder().setIntervalMs(100).setHeartbeatMs(2000).build());

    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), frontend)) {
      OutputStream out = client.getOutputStream();
      out.write('x');
      out.flush();
      await().atMost(Duration.ofSeconds(15)).until(() -> !got.isEmpty() && last(got).s1().getScur() == 1);

      // Idle: two heartbeats in a row, the second read at the idle pace (one reading between them, not ~20).
      int seen = got.size();
      await().atMost(Duration.ofSeconds(30)).until(() -> got.size() >= seen + 2
          && last(got).sample().getHeartbeat() && got.get(got.size() - 2).sample().getHeartbeat());
      long gap = last(got).sample().getSequence() - got.get(got.size() - 2).sample().getSequence();
      assertThat(gap).as("readings between two idle heartbeats").isLessThanOrEqualTo(2);

      // The drain: ApplyBackends wakes the reading at once, well before the next idle one.
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).applyBackends(apply(2, frontend, AdminState.DRAIN));
      await().atMost(Duration.ofMillis(1500)).until(() -> last(got).s1().getAdminState() == AdminState.DRAIN);
      assertThat(last(got).s1().getScur()).as("the client is still connected").isEqualTo(1);

      // Past the hot window the drain still holds a connection: readings stay fast (a heartbeat's
      // sequence shows the readings taken since the last sample).
      int drainSeen = got.size();
      await().atMost(Duration.ofSeconds(15)).until(() -> got.size() > drainSeen && last(got).sample().getHeartbeat());
      long fastGap = last(got).sample().getSequence() - got.get(drainSeen - 1).sample().getSequence();
      assertThat(fastGap).as("readings over a 2 s heartbeat while draining (100 ms pace)").isGreaterThanOrEqualTo(8);
    }
    // The client left and the app closes its side too (in TCP mode HAProxy ends the session only
    // when both have): the 0 arrives at the fast pace, well before an idle reading would show it.
    for (Socket s : appSide) {
      s.close();
    }
    await().atMost(Duration.ofMillis(1500)).until(() -> last(got).s1().getScur() == 0);
    assertThat(last(got).s1().getAdminState()).isEqualTo(AdminState.DRAIN);
  }

  private static Received last(List<Received> got) {
    return got.get(got.size() - 1);
  }
}
