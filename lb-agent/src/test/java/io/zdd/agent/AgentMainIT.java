package io.zdd.agent;

import static io.zdd.agent.testing.Calls.codeOf;
import static io.zdd.agent.testing.Calls.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.zdd.common.testing.TestPki;
import io.zdd.common.testing.ZooKeeperExtension;
import io.zdd.common.tls.SpiffeId;
import io.zdd.proto.v1.AgentState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.ApplyBackendsResponse;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.Colour;
import io.zdd.proto.v1.ColourFrontend;
import io.zdd.proto.v1.ConnectionSample;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.Server;
import io.zdd.proto.v1.ShutdownSessionsRequest;
import io.zdd.proto.v1.SwapPortRequest;
import io.zdd.proto.v1.SwapPortResponse;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole agent as main wires it: a supervised real HAProxy 2.6, a real ZooKeeper, iptables in
 * a network namespace this test creates, gRPC and /metrics on 127.0.0.1. Then a restart on the
 * same data dir (a stale epoch is still refused; the redirects are
 * read back) and checks that nothing is left running.
 */
class AgentMainIT {
  @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
  @TempDir static Path work;
  private static TestPki pki;
  private static final String NETNS = "zddtest-" + UUID.randomUUID().toString().substring(0, 8);
  private static HttpServer app;
  private static final ExecutorService appThreads =
      Executors.newCachedThreadPool();
  /** Released by the test: until then /slow holds its request (a session on the server). */
  private static final CountDownLatch releaseSlow = new CountDownLatch(1);

  @BeforeAll
  static void startAppAndNamespace() throws Exception {
    app = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    app.createContext("/", ex -> {
      byte[] body = "hello from the app\n".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    app.createContext("/slow", ex -> {
      try {
        releaseSlow.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    app.setExecutor(appThreads);
    app.start();
    exec("ip", "netns", "add", NETNS);
    pki = TestPki.in(work.resolve("pki"));
  }

  @AfterAll
  static void cleanUp() throws Exception {
    releaseSlow.countDown();
    if (app != null) {
      app.stop(0);
    }
    appThreads.shutdownNow();
    exec("ip", "netns", "del", NETNS);
    if (pki != null) {
      pki.close();
    }
  }

  /** Two distinct free ports on 127.0.0.1 (both held open while choosing, so they differ). */
  private static int[] freePorts() throws Exception {
    try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new int[] {a.getLocalPort(), b.getLocalPort()};
    }
  }

  private static AgentMain.Running startAgent() throws Exception {
    try (var client = zk.newClient()) {
      // The epochs this test's "leader" uses have been issued, as a coordinator's election would.
      if (client.checkExists().forPath("/zdd/epoch") == null) {
        client.create().creatingParentsIfNeeded().forPath("/zdd/epoch", "5".getBytes(StandardCharsets.UTF_8));
      }
    }
    AgentMain main = new AgentMain();
    List<String> args = new ArrayList<>(pki.flags(SpiffeId.Role.AGENT, "lb-it"));
    args.addAll(List.of(
        "--agent-id", "lb-it",
        "--grpc-listen", "127.0.0.1:0",
        "--advertise-address", "127.0.0.1:7100",
        "--metrics-listen", "127.0.0.1:0",
        "--data-dir", work.resolve("data").toString(),
        "--haproxy-run-dir", work.resolve("run").toString(),
        "--hard-stop-after", "5s",
        "--frontend-bind-address", "127.0.0.1",
        "--frontend-port-range", "1024-65535", // the test's free ports
        "--zk-connect", zk.connectString(),
        "--zk-session-timeout", "4000ms",
        "--iptables-netns", NETNS,
        "--sample-interval", "100ms",
        "--shutdown-grace", "2s"));
    new CommandLine(main).parseArgs(args.toArray(String[]::new));
    return AgentMain.Running.start(main.config);
  }

  private static <T> T withChannel(AgentMain.Running agent, Function<ManagedChannel, T> body) throws Exception {
    return withChannel(agent.grpcPort(), body);
  }

  private static <T> T withChannel(int port, Function<ManagedChannel, T> body) throws Exception {
    ManagedChannel ch = pki.channel(SpiffeId.Role.COORDINATOR, "c1", port, SpiffeId.Role.AGENT);
    try {
      return body.apply(ch);
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Opens a watch as a server-streaming client would (one message, half-close) and takes its first sample. */
  private static ConnectionSample firstSample(ManagedChannel ch, WatchConnectionsRequest request) {
    CompletableFuture<ConnectionSample> first = new CompletableFuture<>();
    io.grpc.stub.ClientResponseObserver<WatchConnectionsRequest, ConnectionSample> observer =
        new io.grpc.stub.ClientResponseObserver<>() {
          private io.grpc.stub.ClientCallStreamObserver<WatchConnectionsRequest> call;

          @Override
          public void beforeStart(io.grpc.stub.ClientCallStreamObserver<WatchConnectionsRequest> requestStream) {
            call = requestStream;
          }

          @Override
          public void onNext(ConnectionSample value) {
            first.complete(value);
            call.cancel("got the first sample", null);
          }

          @Override
          public void onError(Throwable t) {
            first.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            first.completeExceptionally(new AssertionError("stream completed without a sample"));
          }
        };
    var requests = LbAgentGrpc.newStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).watchConnections(observer);
    requests.onNext(request);
    requests.onCompleted();
    try {
      return first.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("no first sample", e);
    }
  }

  private static String haproxyUid() throws Exception {
    return Files.readAllLines(Path.of("/etc/passwd")).stream().filter(l -> l.startsWith("haproxy:")).findFirst()
        .orElseThrow().split(":")[2];
  }

  private static LbAgentGrpc.LbAgentBlockingStub stub(ManagedChannel ch) {
    return LbAgentGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static ApplyBackendsRequest apply(long epoch, long version, int frontendPort) {
    return apply(epoch, version, frontendPort, 100);
  }

  /** Colour frontend ports of group web (port-swap mode), chosen once. */
  private static int[] colourPorts;

  private static ApplyBackendsRequest apply(long epoch, long version, int frontendPort, int weight) {
    return ApplyBackendsRequest.newBuilder().setEpoch(epoch).setBackendSet(BackendSet.newBuilder()
        .setGroup("web").setVersion(version).setFrontendPort(frontendPort)
        .addServers(Server.newBuilder().setName("s1").setAddress("127.0.0.1").setPort(app.getAddress().getPort())
            .setWeight(weight).setColour(Colour.BLUE))
        .addColourFrontends(ColourFrontend.newBuilder().setColour(Colour.BLUE).setPort(colourPorts[0]))
        .addColourFrontends(ColourFrontend.newBuilder().setColour(Colour.GREEN).setPort(colourPorts[1]))
        .build()).build();
  }

  private static String get(String url) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    return r.body();
  }

  @Test
  void agent_servesAppliesSwapsStreamsRegisters_andARestartKeepsItsFencingAndRules() throws Exception {
    int frontendPort = freePorts()[0];
    colourPorts = freePorts();
    int bluePort = colourPorts[0];
    AgentMain.Running agent = startAgent();
    long masterPid;
    String znode;
    int grpcPort = agent.grpcPort();
    SwapPortResponse swapped;
    try {
      assertThat(agent.components()).containsExactly("zookeeper client", "executors", "haproxy (supervise)",
          "haproxy backend controller", "port swapper", "metrics endpoint", "tls", "grpc server", "watch streams", "reload watcher",
          "zookeeper registration", "registration refresh", "health");
      masterPid = agent.haproxyMasterPid().orElseThrow();
      // Run as root (as here), the agent's HAProxy workers drop to the haproxy account.
      long master = masterPid;
      await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(master).orElseThrow().children().findAny()
          .isPresent());
      for (ProcessHandle worker : ProcessHandle.of(masterPid).orElseThrow().children().toList()) {
        String uid = Files.readAllLines(Path.of("/proc/" + worker.pid() + "/status")).stream()
            .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[2];
        assertThat(uid).as("effective uid of worker %d", worker.pid()).isEqualTo(haproxyUid());
      }
      znode = agent.registrationPath().orElseThrow();

      swapped = withChannel(agent, ch -> {
        assertThat(HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService(LbAgentGrpc.SERVICE_NAME).build()).getStatus())
            .isEqualTo(ServingStatus.SERVING);

        ApplyBackendsResponse applied = stub(ch).applyBackends(apply(5, 1, frontendPort));
        assertThat(applied.getObserved().getServersList()).extracting(s -> s.getName()).containsExactly("s1");
        assertThat(applied.getReloaded()).isTrue();

        assertThat(codeOf(() -> stub(ch).applyBackends(apply(4, 2, frontendPort, 7))))
            .isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(stub(ch).getState(GetStateRequest.getDefaultInstance()).getBackends(0).getServers(0).getWeight())
            .as("HAProxy unchanged by the stale leader").isEqualTo(100);

        SwapPortResponse swap = stub(ch).swapPort(SwapPortRequest.newBuilder().setEpoch(5).setGroup("web")
            .setServicePort(frontendPort).setTargetPort(bluePort).build());
        assertThat(swap.getChanged()).isTrue();

        AgentState state = stub(ch).getState(GetStateRequest.getDefaultInstance());
        assertThat(state.getHighestEpoch()).isEqualTo(5);
        assertThat(state.getBackends(0).getAppliedVersion()).isEqualTo(1);
        assertThat(state.getPortSwapAvailable()).isTrue();
        assertThat(state.getRedirectsList()).containsExactlyInAnyOrderElementsOf(swap.getRedirectsList());
        assertThat(state.getHaproxyVersion()).startsWith("2.");

        ConnectionSample first = firstSample(ch, WatchConnectionsRequest.newBuilder().addGroups("web").build());
        assertThat(first.getAgentId()).isEqualTo("lb-it");
        assertThat(first.getServersList()).extracting(s -> s.getServer()).containsExactly("s1");
        return swap;
      });

      try {
        assertThat(get("http://127.0.0.1:" + frontendPort + "/")).isEqualTo("hello from the app\n");
      } catch (Exception e) {
        throw new AssertionError(e);
      }

      // ShutdownSessions cuts a request in flight on s1.
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      var inFlight = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + frontendPort + "/slow"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding());
      withChannel(agent, ch -> {
        await().atMost(Duration.ofSeconds(10)).until(() -> stub(ch).getState(GetStateRequest.getDefaultInstance())
            .getBackends(0).getServers(0).getScur() == 1);
        assertThat(stub(ch).shutdownSessions(ShutdownSessionsRequest.newBuilder().setEpoch(5).setGroup("web")
            .setServer("s1").build()).getSessionsCut()).isEqualTo(1);
        assertThat(codeOf(() -> stub(ch).shutdownSessions(ShutdownSessionsRequest.newBuilder().setEpoch(5)
            .setGroup("web").setServer("s9").build()))).isEqualTo(Status.Code.NOT_FOUND);
        return null;
      });
      await().atMost(Duration.ofSeconds(10)).until(inFlight::isDone);
      assertThat(inFlight).as("the cut request did not get its 200").satisfies(f ->
          assertThat(f.isCompletedExceptionally() || f.join().statusCode() != 200).isTrue());
      releaseSlow.countDown();

      await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> {
        JsonNode json = new ObjectMapper().readTree(zk.newClient().getData().forPath(znode));
        return json.get("groups").toString().equals("[\"web\"]")
            && json.get("address").asText().equals("127.0.0.1:7100");
      });

      String metrics = get("http://127.0.0.1:" + agent.metricsPort() + "/metrics");
      assertThat(metrics)
          .contains("zdd_agent_highest_epoch 5.0")
          .contains("zdd_agent_reloads_total{result=\"ok\"} 1.0")
          .contains("zdd_agent_backend_connections{group=\"web\",server=\"s1\"} 0.0")
          .contains("zdd_agent_haproxy_workers ")
          .contains("zdd_agent_runtime_commands_total{result=\"ok\"}")
          .contains("grpc_server_processing_duration_seconds");
    } finally {
      agent.close();
    }

    // Nothing left behind: HAProxy's master is gone, the registration too, the port is closed.
    long pid = masterPid;
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    assertThat(zk.newClient().checkExists().forPath(znode)).isNull();
    assertThat(codeOf(() -> {
      try {
        withChannel(grpcPort, ch -> HealthGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()));
      } catch (StatusRuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    })).as("port " + grpcPort + " closed").isEqualTo(Status.Code.UNAVAILABLE);

    // Restart on the same data dir.
    AgentMain.Running restarted = startAgent();
    try {
      withChannel(restarted, ch -> {
        assertThat(codeOf(() -> stub(ch).applyBackends(apply(4, 9, frontendPort))))
            .as("epoch 4 after a restart").isEqualTo(Status.Code.FAILED_PRECONDITION);
        AgentState state = stub(ch).getState(GetStateRequest.getDefaultInstance());
        assertThat(state.getHighestEpoch()).isEqualTo(5);
        assertThat(state.getRedirectsList()).containsExactlyInAnyOrderElementsOf(swapped.getRedirectsList());
        return null;
      });
    } finally {
      restarted.close();
    }
    assertThat(exec("ip", "netns", "exec", NETNS, "iptables-save", "-t", "nat"))
        .contains("--dport " + frontendPort + " -j REDIRECT --to-ports " + bluePort);
  }
}
