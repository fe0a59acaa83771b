package io.zdd.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.common.testing.ZooKeeperExtension;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.marathon.MarathonAuth;
import io.zdd.deploy.marathon.LocalMarathon;
import io.zdd.deploy.marathon.LocalMarathonConfig;
import io.zdd.deploy.marathon.MarathonHttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A live scrape of a real coordinator (real ZooKeeper, the local Marathon scheduler) passes
 * {@code promtool check metrics}, and carries the series the shipped alerts and the Grafana
 * leadership panels read.
 */
class CoordinatorScrapeIT {
  @RegisterExtension static final ZooKeeperExtension ZK = new ZooKeeperExtension();

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private LocalMarathon marathon;
  private MarathonHttpServer marathonHttp;
  private Coordinator coordinator;
  @org.junit.jupiter.api.io.TempDir Path pki;

  @BeforeEach
  void start() throws Exception {
    marathon = new LocalMarathon(LocalMarathonConfig.defaults());
    marathonHttp = MarathonHttpServer.start(marathon, "127.0.0.1", 0);
    marathon.start();
    int grpc = freePort();
    coordinator = new Coordinator(new Coordinator.Config("127.0.0.1:" + grpc, new InetSocketAddress("127.0.0.1", grpc),
        Optional.of(new InetSocketAddress("127.0.0.1", 0)), ZK.connectString(), "/zdd-scrape", Duration.ofSeconds(5),
        Optional.empty(), URI.create(marathonHttp.url()), MarathonAuth.NONE, Optional.empty(), Duration.ofSeconds(5),
        Duration.ofMillis(250), Duration.ofSeconds(60), 10, reason -> { },
        Optional.of(io.zdd.common.testing.TestPki.in(pki).issue(io.zdd.common.tls.SpiffeId.Role.COORDINATOR, "c1")),
        io.zdd.coordinator.security.OperatorRoles.everyOperatorIsAdmin(), Map.of(), Map.of(),
        Coordinator.Limits.DEFAULTS));
    coordinator.start();
  }

  @AfterEach
  void stop() {
    if (coordinator != null) {
      coordinator.close();
    }
    if (marathonHttp != null) {
      marathonHttp.close();
    }
    if (marathon != null) {
      marathon.close();
    }
  }

  @Test
  void scrapeOfALeadingCoordinatorPassesPromtool() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(coordinator::isLeader);
    String scrape = scrape(coordinator.metricsPort().orElseThrow());

    assertThat(scrape).containsPattern("(?m)^zdd_leader(\\{[^}]*\\})? 1(\\.0)?$")
        .containsPattern("(?m)^zdd_leader_epoch(\\{[^}]*\\})? [1-9]")
        .containsPattern("(?m)^zdd_agents_connected(\\{[^}]*\\})? ")
        .containsPattern("(?m)^zdd_agents_known(\\{[^}]*\\})? ");

    Process p = new ProcessBuilder("/usr/bin/promtool", "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(scrape.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    assertThat(p.exitValue()).as("promtool check metrics: %s", out).isZero();
  }

  private static String scrape(int port) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
