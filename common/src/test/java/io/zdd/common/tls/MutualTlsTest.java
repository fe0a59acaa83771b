package io.zdd.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.zdd.common.grpc.GrpcServerLimits;
import io.zdd.proto.v1.AgentState;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.RemoveGroupRequest;
import io.zdd.proto.v1.RemoveGroupResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS over real Netty sockets with certificates from a real cluster CA: who is let in,
 * who is refused and how, and a rotated server certificate used without a restart.
 */
class MutualTlsTest {
  @TempDir Path dir;
  private ClusterCertificates certs;
  private GrpcSecurity server;
  private Server grpc;
  private final AtomicInteger writes = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<AutoCloseable> closers = new ArrayList<>();

  /** Reads are open to any identity; RemoveGroup (a write) only to coordinators. */
  private static final PeerAuthentication.Policy COORDINATOR_WRITES = (method, caller) ->
      method.endsWith("/RemoveGroup") && caller.role() != SpiffeId.Role.COORDINATOR
          ? Optional.of("only coordinators may change an agent") : Optional.empty();

  @BeforeEach
  void start() throws Exception {
    certs = ClusterCertificates.openOrCreate(dir, "zdd", Duration.ofDays(1), Clock.systemUTC());
    TlsConfig agent = certs.issue(SpiffeId.Role.AGENT, "lb-1", List.of("127.0.0.1"), Duration.ofDays(1))
        .withReloadInterval(Duration.ofMillis(200));
    server = GrpcSecurity.open(Optional.of(agent), "test agent");
    grpc = server.server(new InetSocketAddress("127.0.0.1", 0), "test-agent", GrpcServerLimits.withThreads(4))
        .addService(ServerInterceptors.intercept(new EchoCaller(), server.authentication(COORDINATOR_WRITES)))
        .build().start();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closers) {
      c.close();
    }
    grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  /** Answers GetState with the caller's identity as agent id; counts RemoveGroup calls that got through. */
  private final class EchoCaller extends LbAgentGrpc.LbAgentImplBase {
    @Override
    public void getState(GetStateRequest request, StreamObserver<AgentState> out) {
      out.onNext(AgentState.newBuilder().setAgentId(PeerAuthentication.caller().map(SpiffeId::toString)
          .orElse("anonymous")).build());
      out.onCompleted();
    }

    @Override
    public void removeGroup(RemoveGroupRequest request, StreamObserver<RemoveGroupResponse> out) {
      if (request.getGroup().equals("block")) {
        running.incrementAndGet();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        running.decrementAndGet();
      }
      writes.incrementAndGet();
      out.onNext(RemoveGroupResponse.getDefaultInstance());
      out.onCompleted();
    }
  }

  private LbAgentGrpc.LbAgentBlockingStub as(SpiffeId.Role role, String name) throws IOException {
    GrpcSecurity client = GrpcSecurity.open(Optional.of(certs.issue(role, name)), "test client");
    closers.add(client);
    ManagedChannel ch = client.channel("127.0.0.1", grpc.getPort(), SpiffeId.Role.AGENT).build();
    closers.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return LbAgentGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private LbAgentGrpc.LbAgentBlockingStub plain(NettyChannelBuilder b) {
    ManagedChannel ch = b.build();
    closers.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return LbAgentGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static Status statusOf(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("the call was not refused");
  }

  @Test
  void coordinator_mayWrite_andTheServiceSeesItsIdentity() throws Exception {
    LbAgentGrpc.LbAgentBlockingStub c = as(SpiffeId.Role.COORDINATOR, "c1");
    assertThat(c.getState(GetStateRequest.getDefaultInstance()).getAgentId()).isEqualTo("spiffe://zdd/coordinator/c1");
    c.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(1).setGroup("web").build());
    assertThat(writes).hasValue(1);
  }

  @Test
  void operator_mayRead_butAWriteIsPermissionDenied_andNeverReachesTheService() throws Exception {
    LbAgentGrpc.LbAgentBlockingStub op = as(SpiffeId.Role.OPERATOR, "alice");
    assertThat(op.getState(GetStateRequest.getDefaultInstance()).getAgentId()).isEqualTo("spiffe://zdd/operator/alice");
    Status s = statusOf(() -> op.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(1).setGroup("web").build()));
    assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(s.getDescription()).contains("spiffe://zdd/operator/alice").contains("only coordinators");
    assertThat(writes).hasValue(0);
  }

  @Test
  void clientWithoutCertificate_isUnauthenticated() throws Exception {
    var anonymous = plain(NettyChannelBuilder.forAddress("127.0.0.1", grpc.getPort())
        .sslContext(GrpcSslContexts.forClient().trustManager(dir.resolve("ca.crt").toFile()).build()));
    Status s = statusOf(() -> anonymous.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(1).setGroup("w").build()));
    assertThat(s.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(s.getDescription()).contains("no client certificate");
    assertThat(statusOf(() -> anonymous.getState(GetStateRequest.getDefaultInstance())).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(writes).hasValue(0);
  }

  @Test
  void plaintextClient_andAnotherClustersCertificate_neverGetIn() throws Exception {
    var plaintext = plain(NettyChannelBuilder.forAddress("127.0.0.1", grpc.getPort()).usePlaintext());
    assertThat(statusOf(() -> plaintext.getState(GetStateRequest.getDefaultInstance())).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);

    ClusterCertificates other = ClusterCertificates.openOrCreate(dir.resolve("other"), "zdd", Duration.ofDays(1),
        Clock.systemUTC());
    GrpcSecurity stranger = GrpcSecurity.open(Optional.of(other.issue(SpiffeId.Role.COORDINATOR, "c1")), "stranger");
    closers.add(stranger);
    var foreign = plain(stranger.channel("127.0.0.1", grpc.getPort(), SpiffeId.Role.AGENT));
    assertThat(statusOf(() -> foreign.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(1).setGroup("w").build()))
        .getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(writes).hasValue(0);
  }

  @Test
  void clientRefusesAServerWithTheWrongRole() throws Exception {
    GrpcSecurity client = GrpcSecurity.open(Optional.of(certs.issue(SpiffeId.Role.COORDINATOR, "c1")), "client");
    closers.add(client);
    var wrong = plain(client.channel("127.0.0.1", grpc.getPort(), SpiffeId.Role.COORDINATOR));
    Status s = statusOf(() -> wrong.getState(GetStateRequest.getDefaultInstance()));
    assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void tls12Client_isRefusedUnlessAllowed() throws Exception {
    TlsConfig op = certs.issue(SpiffeId.Role.COORDINATOR, "old");
    var old = plain(NettyChannelBuilder.forAddress("127.0.0.1", grpc.getPort())
        .sslContext(GrpcSslContexts.forClient().protocols("TLSv1.2")
            .keyManager(op.certificate().toFile(), op.key().toFile())
            .trustManager(op.ca().toFile()).build()));
    assertThat(statusOf(() -> old.getState(GetStateRequest.getDefaultInstance())).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void rotatedServerCertificate_isUsedByTheNextConnection_withoutARestart() throws Exception {
    X509Certificate before = serverCertificate();
    certs.issue(SpiffeId.Role.AGENT, "lb-1", List.of("127.0.0.1"), Duration.ofDays(2));

    await().atMost(Duration.ofSeconds(10)).until(() -> !serverCertificate().getSerialNumber()
        .equals(before.getSerialNumber()));
    assertThat(serverCertificate().getNotAfter()).isAfter(before.getNotAfter());
  }

  @Test
  void unchangedFiles_areNotParsedAgain_byTheRotationCheck() throws Exception {
    TlsConfig c = certs.issue(SpiffeId.Role.AGENT, "lb-2", List.of("127.0.0.1"), Duration.ofDays(1))
        .withReloadInterval(Duration.ofMillis(20));
    try (TlsContexts t = TlsContexts.open(c)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> t.rotationChecks() >= 5);
      assertThat(t.rotationParses()).as("checks that parsed unchanged files").isZero();

      certs.issue(SpiffeId.Role.AGENT, "lb-2", List.of("127.0.0.1"), Duration.ofDays(2));
      await().atMost(Duration.ofSeconds(10)).until(() -> t.rotationParses() >= 1);
    }
  }

  /** The certificate the server presents to a new connection. */
  private X509Certificate serverCertificate() throws Exception {
    GrpcSecurity client = GrpcSecurity.open(Optional.of(certs.issue(SpiffeId.Role.OPERATOR, "probe")), "probe");
    ManagedChannel ch = client.channel("127.0.0.1", grpc.getPort(), SpiffeId.Role.AGENT).build();
    try {
      return io.zdd.common.testing.TestPki.presentedCertificate(ch, LbAgentGrpc.getGetStateMethod(),
          GetStateRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      client.close();
    }
  }

  @Test
  void spiffeIds_parseStrictly() {
    assertThat(SpiffeId.parse("spiffe://zdd/agent/lb-1")).contains(new SpiffeId("zdd", SpiffeId.Role.AGENT, "lb-1"));
    for (String bad : List.of("spiffe://zdd/agent", "spiffe://zdd/agent/lb-1/x", "spiffe://zdd/root/x",
        "https://zdd/agent/lb-1", "spiffe://zdd:1/agent/a", "spiffe://ZDD/agent/a", "spiffe://zdd/agent/a%0A",
        "spiffe://u@zdd/agent/a", "spiffe://zdd/agent/a?x=1", "spiffe://zdd/agent/a b", "")) {
      assertThat(SpiffeId.parse(bad)).as(bad).isEmpty();
    }
    assertThatThrownBy(() -> new SpiffeId("zdd", SpiffeId.Role.AGENT, "x\ny")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void manyConcurrentCalls_runOnABoundedNumberOfThreads() throws Exception {
    GrpcSecurity client = GrpcSecurity.open(Optional.of(certs.issue(SpiffeId.Role.COORDINATOR, "busy")), "busy");
    closers.add(client);
    ManagedChannel ch = client.channel("127.0.0.1", grpc.getPort(), SpiffeId.Role.AGENT).build();
    closers.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    var stub = LbAgentGrpc.newFutureStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
    List<com.google.common.util.concurrent.ListenableFuture<RemoveGroupResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      calls.add(stub.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(1).setGroup("block").build()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> running.get() == 4);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> running.get() == 4
        && Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("test-agent-grpc-")).count() <= 4);

    release.countDown();
    for (var c : calls) {
      c.get(30, TimeUnit.SECONDS);
    }
    assertThat(writes).hasValue(100);
  }
}
