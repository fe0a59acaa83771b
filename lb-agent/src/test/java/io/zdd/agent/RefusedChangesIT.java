package io.zdd.agent;

import static io.zdd.agent.testing.Calls.codeOf;
import static io.zdd.agent.testing.Calls.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.zdd.common.testing.TestPki;
import io.zdd.common.tls.SpiffeId;
import io.zdd.proto.v1.AgentState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.ObservedBackend;
import io.zdd.proto.v1.ObservedServer;
import io.zdd.proto.v1.Server;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The agent as main wires it, with a real HAProxy, driven over gRPC only: a call HAProxy or the
 * agent refuses leaves the fence, the file, the desired set and the read-back exactly as they
 * were; an agent restarted beside the kept file reports the groups it serves; a shrunk group
 * reads back its new size at once.
 */
class RefusedChangesIT {
  @TempDir Path work;
  private TestPki pki;
  private static final String NETNS = "zddref-" + UUID.randomUUID().toString().substring(0, 8);
  private static HttpServer app;
  private AgentMain.Running agent;
  private ManagedChannel channel;

  @BeforeAll
  static void startApp() throws Exception {
    app = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    app.createContext("/", ex -> {
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    app.start();
    exec("ip", "netns", "add", NETNS);
  }

  @AfterAll
  static void stopApp() throws Exception {
    app.stop(0);
    exec("ip", "netns", "del", NETNS);
  }

  @BeforeEach
  void start() throws Exception {
    pki = TestPki.in(work.resolve("pki"));
    startAgent();
  }

  @AfterEach
  void stop() throws Exception {
    stopAgent();
    pki.close();
  }

  private void startAgent() throws Exception {
    AgentMain main = new AgentMain();
    List<String> args = new ArrayList<>(pki.flags(SpiffeId.Role.AGENT, "lb-ref"));
    args.addAll(List.of(
        "--agent-id", "lb-ref",
        "--grpc-listen", "127.0.0.1:0",
        "--metrics-listen", "127.0.0.1:0",
        "--data-dir", work.resolve("data").toString(),
        "--haproxy-run-dir", work.resolve("run").toString(),
        "--hard-stop-after", "2s",
        "--frontend-bind-address", "127.0.0.1",
        "--frontend-port-range", "1024-65535", // the test's free ports
        "--iptables-netns", NETNS,
        "--shutdown-grace", "1s"));
    new CommandLine(main).parseArgs(args.toArray(String[]::new));
    agent = AgentMain.Running.start(main.config);
    channel = pki.channel(SpiffeId.Role.COORDINATOR, "c1", agent.grpcPort(), SpiffeId.Role.AGENT);
  }

  private void stopAgent() throws Exception {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    agent.close();
  }

  private LbAgentGrpc.LbAgentBlockingStub lb() {
    return LbAgentGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Server server(String name, String address, int weight) {
    return Server.newBuilder().setName(name).setAddress(address).setPort(app.getAddress().getPort())
        .setWeight(weight).build();
  }

  private static ApplyBackendsRequest apply(long epoch, String group, long version, int port, List<Server> servers) {
    return ApplyBackendsRequest.newBuilder().setEpoch(epoch).setBackendSet(BackendSet.newBuilder()
        .setGroup(group).setVersion(version).setFrontendPort(port).addAllServers(servers)).build();
  }

  private String zddCfg() throws Exception {
    return Files.readString(work.resolve("run/zdd.cfg"));
  }

  /** What GetState says, without the parts that move on their own (worker connections). */
  private String stateView() {
    AgentState s = lb().getState(GetStateRequest.getDefaultInstance());
    StringBuilder b = new StringBuilder("epoch " + s.getHighestEpoch() + "\n");
    for (ObservedBackend be : s.getBackendsList()) {
      b.append(be.getGroup()).append(" v").append(be.getAppliedVersion()).append(" e").append(be.getAppliedEpoch())
          .append(" port ").append(be.getFrontendPort()).append('\n');
      for (ObservedServer o : be.getServersList()) {
        b.append("  ").append(o.getName()).append(' ').append(o.getAddress()).append(':').append(o.getPort())
            .append(" w").append(o.getWeight()).append(' ').append(o.getAdminState()).append('\n');
      }
    }
    return b.toString();
  }

  @Test
  void refusedApplies_changeNothing_andTheLeadersNextSetIsAccepted() throws Exception {
    int webPort = freePort();
    lb().applyBackends(apply(5, "web", 9, webPort, List.of(server("s1", "127.0.0.1", 10))));
    String state = stateView();
    String file = zddCfg();

    // A higher epoch with an address HAProxy would read as address plus port.
    assertThat(codeOf(() -> lb().applyBackends(apply(6, "web", 59, webPort,
        List.of(server("s1", "1.2.3.4:80", 10)))))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    // A higher epoch whose new group clashes with the port of group web.
    assertThat(codeOf(() -> lb().applyBackends(apply(6, "api", 1, webPort,
        List.of(server("a1", "127.0.0.1", 10)))))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    // A higher epoch on a port outside the agent's --frontend-port-range.
    assertThat(codeOf(() -> lb().applyBackends(apply(6, "low", 1, 1000,
        List.of(server("l1", "127.0.0.1", 10)))))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    // A higher epoch whose new group needs a reload that fails: its port is held by another process.
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(codeOf(() -> lb().applyBackends(apply(6, "busy", 1, held.getLocalPort(),
          List.of(server("b1", "127.0.0.1", 10)))))).isEqualTo(Status.Code.FAILED_PRECONDITION);
    }

    assertThat(stateView()).isEqualTo(state);
    assertThat(zddCfg()).isEqualTo(file);
    // The legitimate leader (epoch 5) carries on.
    assertThat(lb().applyBackends(apply(5, "web", 10, webPort, List.of(server("s1", "127.0.0.1", 20))))
        .getObserved().getAppliedVersion()).isEqualTo(10);
  }

  @Test
  void aRestartedAgentReportsTheGroupsItServesFromTheFile() throws Exception {
    int webPort = freePort();
    int apiPort = freePort();
    lb().applyBackends(apply(3, "web", 4, webPort, List.of(server("s1", "127.0.0.1", 10))));
    lb().applyBackends(apply(3, "api", 7, apiPort, List.of(server("a1", "127.0.0.1", 30))));
    String before = stateView();

    stopAgent();
    startAgent();

    assertThat(stateView()).isEqualTo(before).contains("web v4 e3").contains("api v7 e3");
    // Their ports are still theirs.
    assertThat(codeOf(() -> lb().applyBackends(apply(3, "shop", 1, webPort,
        List.of(server("x1", "127.0.0.1", 10)))))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    // The recovered groups count as the agent's own: the same version is an idempotent retry,
    // an older one is refused.
    assertThat(codeOf(() -> lb().applyBackends(apply(3, "api", 6, apiPort,
        List.of(server("a1", "127.0.0.1", 30)))))).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(lb().applyBackends(apply(3, "api", 7, apiPort, List.of(server("a1", "127.0.0.1", 30))))
        .getReloaded()).isFalse();
  }

  @Test
  void aShrunkGroupReadsBackItsNewSizeAtOnce() throws Exception {
    int webPort = freePort();
    List<Server> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(server("s" + i, "127.0.0." + (1 + i % 200), 1));
    }
    assertThat(lb().applyBackends(apply(1, "web", 1, webPort, many)).getObserved().getServersCount()).isEqualTo(200);

    var shrunk = lb().applyBackends(apply(1, "web", 2, webPort, many.subList(0, 100)));

    assertThat(shrunk.getObserved().getServersCount()).isEqualTo(100);
    assertThat(shrunk.getReloaded()).isFalse();
    assertThat(lb().getState(GetStateRequest.getDefaultInstance()).getBackends(0).getServersCount()).isEqualTo(100);
  }
}
