package io.zdd.agent;

import static io.zdd.agent.testing.Calls.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.zdd.common.testing.TestPki;
import io.zdd.common.testing.ZooKeeperExtension;
import io.zdd.common.tls.SpiffeId;
import io.zdd.proto.v1.AgentState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.RemoveGroupRequest;
import io.zdd.proto.v1.Server;
import io.zdd.proto.v1.ShutdownSessionsRequest;
import io.zdd.proto.v1.SwapPortRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The agent as an attacker on the network meets it: mutual TLS, coordinator-only writes, an
 * epoch fence that cannot be pushed past what ZooKeeper has issued, a version that cannot jump,
 * and a certificate rotated under a running agent. Every refused call changes nothing.
 */
class AgentSecurityIT {
  @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
  @TempDir Path work;
  private final String netns = "zddsec-" + UUID.randomUUID().toString().substring(0, 8);
  private TestPki pki;
  private CuratorFramework zkClient;
  private HttpServer app;
  private AgentMain.Running agent;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    app = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    app.createContext("/", ex -> {
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    app.start();
    exec("ip", "netns", "add", netns);
    pki = TestPki.in(work.resolve("pki"));
    zkClient = zk.newClient();
    setIssuedEpoch(3);
    AgentMain main = new AgentMain();
    List<String> args = new ArrayList<>(pki.flags(SpiffeId.Role.AGENT, "lb-sec"));
    args.addAll(List.of("--agent-id", "lb-sec", "--grpc-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
        "--data-dir", work.resolve("data").toString(), "--haproxy-run-dir", work.resolve("run").toString(),
        "--hard-stop-after", "2s", "--frontend-bind-address", "127.0.0.1", "--frontend-port-range", "1024-65535",
        "--zk-connect", zk.connectString(), "--iptables-netns", netns, "--shutdown-grace", "1s"));
    new CommandLine(main).parseArgs(args.toArray(String[]::new));
    agent = AgentMain.Running.start(main.config);
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (agent != null) {
      agent.close();
    }
    pki.close();
    zkClient.close();
    app.stop(0);
    exec("ip", "netns", "del", netns);
  }

  private void setIssuedEpoch(long epoch) throws Exception {
    byte[] text = Long.toString(epoch).getBytes(StandardCharsets.UTF_8);
    if (zkClient.checkExists().forPath("/zdd/epoch") == null) {
      zkClient.create().creatingParentsIfNeeded().forPath("/zdd/epoch", text);
    } else {
      zkClient.setData().forPath("/zdd/epoch", text);
    }
  }

  private LbAgentGrpc.LbAgentBlockingStub as(SpiffeId.Role role, String name) {
    ManagedChannel ch = pki.channel(role, name, agent.grpcPort(), SpiffeId.Role.AGENT);
    channels.add(ch);
    return LbAgentGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** TLS that trusts the cluster CA but presents no certificate. */
  private LbAgentGrpc.LbAgentBlockingStub anonymous() throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", agent.grpcPort())
        .sslContext(GrpcSslContexts.forClient().trustManager(work.resolve("pki/ca.crt").toFile()).build()).build();
    channels.add(ch);
    return LbAgentGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private LbAgentGrpc.LbAgentBlockingStub coordinator() {
    return as(SpiffeId.Role.COORDINATOR, "c1");
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private ApplyBackendsRequest apply(long epoch, long version, int port, String address) {
    return ApplyBackendsRequest.newBuilder().setEpoch(epoch).setBackendSet(BackendSet.newBuilder()
        .setGroup("web").setVersion(version).setFrontendPort(port).addServers(Server.newBuilder().setName("s1")
            .setAddress(address).setPort(app.getAddress().getPort()).setWeight(10))).build();
  }

  private static Status statusOf(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("the call was not refused");
  }

  /** Everything a refused call must leave alone: the read-back, the fence file, the config file. */
  private String everything() throws Exception {
    AgentState s = coordinator().getState(GetStateRequest.getDefaultInstance());
    return "epoch " + s.getHighestEpoch() + "\n" + s.getBackendsList() + "\n" + s.getRedirectsList() + "\n"
        + Files.readString(work.resolve("data/epoch-state")) + "\n" + Files.readString(work.resolve("run/zdd.cfg"));
  }

  @Test
  void everyWrite_fromAnythingButACoordinator_isRefused_andChangesNothing() throws Exception {
    int port = freePort();
    coordinator().applyBackends(apply(3, 1, port, "127.0.0.1"));
    String before = everything();

    Map<String, Consumer<LbAgentGrpc.LbAgentBlockingStub>> writes = Map.of(
        "ApplyBackends", s -> s.applyBackends(apply(3, 2, port, "127.0.0.2")),
        "RemoveGroup", s -> s.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(3).setGroup("web").build()),
        "SwapPort", s -> s.swapPort(SwapPortRequest.newBuilder().setEpoch(3).setGroup("web").setServicePort(22)
            .setTargetPort(port).build()),
        "ShutdownSessions", s -> s.shutdownSessions(ShutdownSessionsRequest.newBuilder().setEpoch(3).setGroup("web")
            .setServer("s1").build()));
    LbAgentGrpc.LbAgentBlockingStub nobody = anonymous();
    LbAgentGrpc.LbAgentBlockingStub operator = as(SpiffeId.Role.OPERATOR, "mallory");
    LbAgentGrpc.LbAgentBlockingStub otherAgent = as(SpiffeId.Role.AGENT, "lb-2");
    writes.forEach((rpc, call) -> {
      Status anon = statusOf(() -> call.accept(nobody));
      assertThat(anon.getCode()).as(rpc + " without a certificate").isEqualTo(Status.Code.UNAUTHENTICATED);
      Status op = statusOf(() -> call.accept(operator));
      assertThat(op.getCode()).as(rpc + " from an operator").isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(op.getDescription()).contains("only a coordinator certificate");
      assertThat(statusOf(() -> call.accept(otherAgent)).getCode()).as(rpc + " from an agent")
          .isEqualTo(Status.Code.PERMISSION_DENIED);
    });
    assertThat(statusOf(() -> nobody.getState(GetStateRequest.getDefaultInstance())).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);

    ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", agent.grpcPort()).usePlaintext().build();
    channels.add(plain);
    assertThat(statusOf(() -> LbAgentGrpc.newBlockingStub(plain).withDeadlineAfter(10, TimeUnit.SECONDS)
        .removeGroup(RemoveGroupRequest.newBuilder().setEpoch(3).setGroup("web").build())).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);

    assertThat(everything()).isEqualTo(before);
    assertThat(operator.getState(GetStateRequest.getDefaultInstance()).getBackendsCount()).as("reads are open").isOne();
  }

  @Test
  void anEpochNoLeaderWasGiven_isRefused_andNothingIsPersisted() throws Exception {
    int port = freePort();
    coordinator().applyBackends(apply(3, 1, port, "127.0.0.1"));
    String before = everything();

    Status forged = statusOf(() -> coordinator().removeGroup(RemoveGroupRequest.newBuilder().setEpoch(Long.MAX_VALUE)
        .setGroup("no-such-group").build()));
    assertThat(forged.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(forged.getDescription()).contains("never issued").contains("is 3");
    assertThat(statusOf(() -> coordinator().applyBackends(apply(4, 2, port, "127.0.0.2"))).getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    Status jump = statusOf(() -> coordinator().applyBackends(apply(3, 5_000_000, port, "127.0.0.2")));
    assertThat(jump.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(jump.getDescription()).startsWith("backend_set.version:");
    assertThat(everything()).isEqualTo(before);

    // A real new leader bumps the counter and is accepted at once.
    setIssuedEpoch(4);
    coordinator().applyBackends(apply(4, 2, port, "127.0.0.2"));
    assertThat(coordinator().getState(GetStateRequest.getDefaultInstance()).getHighestEpoch()).isEqualTo(4);
  }

  @Test
  void afterAZooKeeperRestore_theFenceCanBeAlignedWithZooKeeper_andOnlyWithIt() throws Exception {
    int port = freePort();
    setIssuedEpoch(9);
    coordinator().applyBackends(apply(9, 1, port, "127.0.0.1"));
    // ZooKeeper restored from a backup: its counter is back at 2, the agent still says 9.
    setIssuedEpoch(2);
    assertThat(statusOf(() -> coordinator().applyBackends(apply(2, 2, port, "127.0.0.1"))).getCode())
        .isEqualTo(Status.Code.FAILED_PRECONDITION);

    var reset = io.zdd.proto.v1.ResetFenceRequest.newBuilder();
    assertThat(statusOf(() -> as(SpiffeId.Role.OPERATOR, "mallory").resetFence(reset.setEpoch(2).build())).getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    Status chosen = statusOf(() -> coordinator().resetFence(reset.setEpoch(1).build()));
    assertThat(chosen.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(chosen.getDescription()).contains("ZooKeeper holds now (2)");
    assertThat(coordinator().getState(GetStateRequest.getDefaultInstance()).getHighestEpoch()).isEqualTo(9);

    var done = coordinator().resetFence(reset.setEpoch(2).build());
    assertThat(done.getPreviousHighestEpoch()).isEqualTo(9);
    assertThat(done.getHighestEpoch()).isEqualTo(2);
    coordinator().applyBackends(apply(2, 2, port, "127.0.0.2"));
    assertThat(coordinator().getState(GetStateRequest.getDefaultInstance()).getBackends(0).getAppliedEpoch())
        .isEqualTo(2);
  }

  @Test
  void aRotatedCertificate_isPresentedByTheRunningAgent() throws Exception {
    X509Certificate before = presented();
    pki.issue(SpiffeId.Role.AGENT, "lb-sec");
    await().atMost(Duration.ofSeconds(10)).until(() -> !presented().getSerialNumber().equals(before.getSerialNumber()));
    coordinator().getState(GetStateRequest.getDefaultInstance());
  }

  /** The certificate the agent shows a new connection. */
  private X509Certificate presented() throws Exception {
    ManagedChannel ch = pki.channel(SpiffeId.Role.OPERATOR, "probe", agent.grpcPort(), SpiffeId.Role.AGENT);
    try {
      return TestPki.presentedCertificate(ch, LbAgentGrpc.getGetStateMethod(), GetStateRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
