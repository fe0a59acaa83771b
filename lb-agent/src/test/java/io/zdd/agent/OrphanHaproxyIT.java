package io.zdd.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.Server;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * An agent killed with SIGKILL leaves its HAProxy serving. The next agent on the same directories
 * adopts that master instead of starting a second HAProxy beside it: exactly one master serves
 * the port, traffic never stops, and stopping the new agent stops it.
 */
class OrphanHaproxyIT {
  @TempDir Path work;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private List<String> args(int grpc) {
    return List.of("--insecure", "--agent-id", "lb-orphan", "--grpc-listen", "127.0.0.1:" + grpc,
        "--metrics-listen", "127.0.0.1:0", "--data-dir", work.resolve("data").toString(),
        "--haproxy-run-dir", work.resolve("run").toString(), "--hard-stop-after", "2s",
        "--frontend-bind-address", "127.0.0.1", "--frontend-port-range", "1024-65535", "--shutdown-grace", "1s");
  }

  /** HAProxy masters whose command line names this test's master socket (workers share it; they are the masters' children). */
  private List<Long> masters() throws Exception {
    String sock = work.resolve("run/master.sock") + ",mode,600";
    List<Long> out = new ArrayList<>();
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
          if (cmd.contains("haproxy") && cmd.contains(sock)) {
            out.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException gone) {
          // exited while listing
        }
      }
    }
    List<Long> all = List.copyOf(out);
    out.removeIf(pid -> ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)
        .filter(all::contains).isPresent());
    return out;
  }

  private static String get(int port) throws Exception {
    HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  @Test
  void anAgentKilledHard_leavesItsHaproxyToTheNextAgent_whichAdoptsIt() throws Exception {
    HttpServer app = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    app.createContext("/", ex -> {
      byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    app.start();
    int frontend = freePort();
    int grpc = freePort();
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
        System.getProperty("java.class.path"), AgentMain.class.getName()));
    cmd.addAll(args(grpc));
    Process first = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(work.resolve("first-agent.log").toFile()).start();
    try {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
      try {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
          LbAgentGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS).applyBackends(
              ApplyBackendsRequest.newBuilder().setEpoch(1).setBackendSet(BackendSet.newBuilder().setGroup("web")
                  .setVersion(1).setFrontendPort(frontend).addServers(Server.newBuilder().setName("s1")
                      .setAddress("127.0.0.1").setPort(app.getAddress().getPort()).setWeight(10))).build());
          return true;
        });
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(get(frontend)).isEqualTo("ok\n");
      List<Long> before = masters();
      assertThat(before).hasSize(1);

      first.destroyForcibly(); // SIGKILL: no shutdown hook runs
      assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(masters()).as("the orphan keeps serving").isEqualTo(before);
      assertThat(get(frontend)).isEqualTo("ok\n");

      AgentMain second = new AgentMain();
      new CommandLine(second).parseArgs(args(freePort()).toArray(String[]::new));
      try (AgentMain.Running agent = AgentMain.Running.start(second.config)) {
        assertThat(agent.haproxyMasterPid()).contains(before.get(0));
        assertThat(masters()).as("exactly one HAProxy master for these sockets").isEqualTo(before);
        assertThat(get(frontend)).isEqualTo("ok\n");
      }
      await().atMost(Duration.ofSeconds(15)).until(() -> masters().isEmpty());
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", frontend), 500);
          return false;
        } catch (IOException refused) {
          return true;
        }
      });
    } finally {
      first.destroyForcibly();
      for (long pid : masters()) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      app.stop(0);
    }
  }
}
