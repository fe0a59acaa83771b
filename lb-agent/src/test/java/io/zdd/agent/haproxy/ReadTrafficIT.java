package io.zdd.agent.haproxy;

import static io.zdd.agent.haproxy.Harness.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.zdd.agent.exec.ProcessCommandRunner;
import io.zdd.agent.firewall.IptablesCommands;
import io.zdd.agent.firewall.PortSwapper;
import io.zdd.agent.grpc.LbAgentService;
import io.zdd.agent.state.EpochStore;
import io.zdd.common.grpc.ProtoMapper;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ProxyMode;
import io.zdd.common.model.ServerTraffic;
import io.zdd.common.model.TrafficReading;
import io.zdd.common.testing.GrpcInProcessExtension;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.ReadTrafficRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * ReadTraffic against a real HAProxy: what it counts per server matches what the servers
 * answered (a blue one 200, a green one 500), with each server's colour and task id from the
 * applied set; bad requests are refused; a group the agent does not manage is absent.
 */
class ReadTrafficIT {
  @RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();
  @TempDir Path dir;
  @TempDir Path dataDir;
  Harness h;
  HttpServer ok;
  HttpServer failing;
  final AtomicLong okHits = new AtomicLong();
  final AtomicLong failingHits = new AtomicLong();
  final int port = TestBackends.freePort();

  @BeforeEach
  void start() throws IOException {
    ok = server(200, okHits);
    failing = server(500, failingHits);
    h = new Harness(dir);
  }

  @AfterEach
  void stop() {
    h.close();
    ok.stop(0);
    failing.stop(0);
  }

  private static HttpServer server(int status, AtomicLong hits) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    s.createContext("/", ex -> {
      hits.incrementAndGet();
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(status, -1);
      ex.close();
    });
    s.setExecutor(Executors.newFixedThreadPool(4));
    s.start();
    return s;
  }

  private LbAgentGrpc.LbAgentBlockingStub agent() {
    PortSwapper noSwap = new PortSwapper(new ProcessCommandRunner(), IptablesCommands.defaults(Optional.empty()),
        dataDir, () -> false);
    LbAgentService service = new LbAgentService(AgentId.of("lb-1"), EpochStore.open(dataDir), h.controller,
        h.sampler, noSwap, h.controller::shutdownSessions, Executors.newSingleThreadScheduledExecutor(),
        Clock.systemUTC(), LbAgentService.StreamSettings.DEFAULTS, LbAgentService.Limits.DEFAULTS);
    return LbAgentGrpc.newBlockingStub(grpc.start(service));
  }

  private BackendSet web() {
    return set("web", 1, port, ProxyMode.HTTP, Optional.empty(), List.of(
        new BackendServer("b1", "127.0.0.1", ok.getAddress().getPort(), 10, AdminState.READY, Colour.BLUE, "web-blue.1"),
        new BackendServer("g1", "127.0.0.1", failing.getAddress().getPort(), 10, AdminState.READY, Colour.GREEN,
            "web-green.1")));
  }

  @Test
  void countsWhatEachServerAnswered_withItsColourAndTask() throws Exception {
    LbAgentGrpc.LbAgentBlockingStub agent = agent();
    agent.withDeadlineAfter(30, TimeUnit.SECONDS).applyBackends(ApplyBackendsRequest.newBuilder().setEpoch(1)
        .setBackendSet(ProtoMapper.toProto(web())).build());
    HttpClient client = HttpClient.newHttpClient();
    int requests = 40;
    for (int i = 0; i < requests; i++) {
      client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.discarding());
    }

    TrafficReading reading = ProtoMapper.traffic(agent.withDeadlineAfter(10, TimeUnit.SECONDS)
        .readTraffic(ReadTrafficRequest.newBuilder().addGroups("web").build()));
    Map<String, ServerTraffic> byServer = reading.servers().stream()
        .collect(Collectors.toMap(ServerTraffic::server, Function.identity()));
    assertThat(reading.agent()).isEqualTo(AgentId.of("lb-1"));
    assertThat(byServer).containsOnlyKeys("b1", "g1");
    ServerTraffic blue = byServer.get("b1");
    ServerTraffic green = byServer.get("g1");
    assertThat(blue.colour()).isEqualTo(Colour.BLUE);
    assertThat(blue.taskId()).isEqualTo("web-blue.1");
    assertThat(green.colour()).isEqualTo(Colour.GREEN);
    assertThat(green.taskId()).isEqualTo("web-green.1");
    assertThat(blue.responses2xx()).isEqualTo(okHits.get()).isPositive();
    assertThat(blue.responses5xx()).isZero();
    assertThat(green.responses5xx()).isEqualTo(failingHits.get()).isPositive();
    assertThat(green.responses2xx()).isZero();
    assertThat(blue.responses2xx() + green.responses5xx()).isEqualTo(requests);
    assertThat(blue.sessionsTotal() + green.sessionsTotal()).isGreaterThanOrEqualTo(1);

    // Every group when none is named; a group this agent does not manage is absent.
    assertThat(agent.readTraffic(ReadTrafficRequest.getDefaultInstance()).getServersCount()).isEqualTo(2);
    assertThat(agent.readTraffic(ReadTrafficRequest.newBuilder().addGroups("other").build()).getServersCount()).isZero();
  }

  @Test
  void badRequests_areRefusedNamingTheField() {
    LbAgentGrpc.LbAgentBlockingStub agent = agent();
    ReadTrafficRequest tooMany = ReadTrafficRequest.newBuilder()
        .addAllGroups(IntStream.range(0, 201).mapToObj(i -> "g" + i).toList()).build();
    assertThatThrownBy(() -> agent.readTraffic(tooMany)).isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("groups");
    assertThatThrownBy(() -> agent.readTraffic(ReadTrafficRequest.newBuilder().addGroups("../etc").build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }
}
