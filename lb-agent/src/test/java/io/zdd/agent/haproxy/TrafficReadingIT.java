package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
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
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ProxyMode;
import io.zdd.common.model.ServerTraffic;
import io.zdd.common.model.TrafficReading;
import io.zdd.common.testing.GrpcInProcessExtension;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.ReadTrafficRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * ReadTraffic across a seamless reload, against a real HAProxy: a request still in flight on the
 * old worker keeps that worker alive, and its counters stay in the sum read over gRPC; once it
 * exits they leave it (the documented reset).
 */
class TrafficReadingIT {
  static final GroupName WEB = GroupName.of("web");

  @RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();
  @TempDir Path dir;
  @TempDir Path dataDir;
  final ExecutorService pool = Executors.newCachedThreadPool();
  /** Released to let requests for /hold answer. */
  final CountDownLatch release = new CountDownLatch(1);
  final List<HttpServer> apps = new ArrayList<>();
  Harness h;
  int port;
  LbAgentGrpc.LbAgentBlockingStub agent;

  /** A real HTTP app answering {@code status} to every request; /hold waits for {@link #release}. */
  record App(int port, AtomicLong hits) {}

  App app(int status) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    AtomicLong hits = new AtomicLong();
    s.createContext("/", ex -> {
      hits.incrementAndGet();
      ex.getRequestBody().readAllBytes();
      if (ex.getRequestURI().getPath().equals("/hold")) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] body = ("status " + status).getBytes(StandardCharsets.US_ASCII);
      ex.sendResponseHeaders(status, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    s.setExecutor(pool);
    s.start();
    apps.add(s);
    return new App(s.getAddress().getPort(), hits);
  }

  @BeforeEach
  void start() {
    port = TestBackends.freePort();
    h = new Harness(dir);
    PortSwapper noSwap = new PortSwapper(new ProcessCommandRunner(), IptablesCommands.defaults(Optional.empty()),
        dataDir, () -> false);
    LbAgentService service = new LbAgentService(AgentId.of("lb-1"), EpochStore.open(dataDir), h.controller,
        h.sampler, noSwap, h.controller::shutdownSessions, Executors.newSingleThreadScheduledExecutor(),
        Clock.systemUTC(), LbAgentService.StreamSettings.DEFAULTS, LbAgentService.Limits.DEFAULTS);
    agent = LbAgentGrpc.newBlockingStub(grpc.start(service));
  }

  @AfterEach
  void stop() {
    release.countDown();
    apps.forEach(s -> s.stop(0));
    pool.shutdownNow();
    h.close();
  }

  void apply(App blue, App green) {
    BackendSet set = new BackendSet(WEB, 1, port, ProxyMode.HTTP, "roundrobin", Optional.empty(), List.of(
        new BackendServer("blue", "127.0.0.1", blue.port(), 10, AdminState.READY, Colour.BLUE, "web-blue.1"),
        new BackendServer("green", "127.0.0.1", green.port(), 10, AdminState.READY, Colour.GREEN, "web-green.1")),
        List.of());
    agent.withDeadlineAfter(30, TimeUnit.SECONDS).applyBackends(ApplyBackendsRequest.newBuilder().setEpoch(1)
        .setBackendSet(ProtoMapper.toProto(set)).build());
  }

  TrafficReading read() {
    return ProtoMapper.traffic(agent.withDeadlineAfter(10, TimeUnit.SECONDS)
        .readTraffic(ReadTrafficRequest.newBuilder().addGroups("web").build()));
  }

  ServerTraffic server(String name) {
    return read().servers().stream().filter(t -> t.group().equals(WEB.value()) && t.server().equals(name)).findFirst()
        .orElseThrow();
  }

  /** One GET on a new connection through the frontend; the status HAProxy answered with. */
  int get() throws IOException {
    try (Socket s = send("/")) {
      return status(s);
    }
  }

  Socket send(String path) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    s.setSoTimeout(10_000);
    OutputStream out = s.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  static int status(Socket s) {
    try {
      InputStream in = s.getInputStream();
      String all = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(all).startsWith("HTTP/1.1 ");
      return Integer.parseInt(all.substring(9, 12));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends {@code n} requests; how many came back with each status. */
  Map<Integer, Long> send(int n) throws IOException {
    Map<Integer, Long> byStatus = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      byStatus.merge(get(), 1L, Long::sum);
    }
    return byStatus;
  }

  @Test
  void afterASeamlessReload_theOldWorkersCountersStayInTheSumWhileItRuns_andLeaveItWhenItExits() throws Exception {
    App blue = app(200);
    App green = app(500);
    apply(blue, green);
    Map<Integer, Long> first = send(10);
    await().until(() -> server("blue").responses2xx() == first.get(200)
        && server("green").responses5xx() == first.get(500));

    // A request held in flight by its app keeps the old worker running after the reload.
    Socket held = send("/hold");
    await().until(() -> blue.hits().get() + green.hits().get() == 11);
    int oldPid = h.haproxy.masterCli().showProc().currentPid();
    assertThat(h.haproxy.masterCli().reloadAndWait(Duration.ofSeconds(10)).succeeded()).isTrue();
    assertThat(h.haproxy.masterCli().showProc().oldWorkers()).extracting(ProcTable.Proc::pid).contains(oldPid);

    Map<Integer, Long> second = send(6);
    long firstAndSecond2xx = first.get(200) + second.getOrDefault(200, 0L);
    long firstAndSecond5xx = first.get(500) + second.getOrDefault(500, 0L);
    await().untilAsserted(() -> {
      assertThat(server("blue").responses2xx()).isEqualTo(firstAndSecond2xx);
      assertThat(server("green").responses5xx()).isEqualTo(firstAndSecond5xx);
    });
    // The new worker alone has only the second batch.
    long currentOnly = h.haproxy.runtime().showServerStats("zdd_be_web").stream()
        .mapToLong(r -> r.longField("hrsp_2xx") + r.longField("hrsp_5xx")).sum();
    assertThat(currentOnly).isEqualTo(6);

    // The held request ends; the old worker exits with its counters.
    release.countDown();
    int heldStatus = status(held);
    held.close();
    assertThat(heldStatus).isIn(200, 500);
    await().until(() -> h.haproxy.masterCli().showProc().oldWorkers().isEmpty());
    assertThat(server("blue").responses2xx()).isEqualTo(second.getOrDefault(200, 0L));
    assertThat(server("green").responses5xx()).isEqualTo(second.getOrDefault(500, 0L));
  }
}
