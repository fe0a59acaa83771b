package io.zdd.agent.haproxy;

import static io.zdd.agent.haproxy.Harness.server;
import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.AdminState;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HealthCheck;
import io.zdd.common.model.ProxyMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clients send requests without pause while the controller applies 50
 * backend-set changes, at least 5 of them needing a reload. Every failure counts: plain-socket
 * clients, no retries, keep-alive and new-connection-per-request.
 */
class ZeroDowntimeUnderChangeIT {
  private static final Logger log = LoggerFactory.getLogger(ZeroDowntimeUnderChangeIT.class);

  @TempDir Path dir;
  TestBackends apps;
  Harness h;
  int port;
  final List<TestBackends.Backend> tasks = new ArrayList<>();

  @BeforeEach
  void start() {
    apps = new TestBackends();
    for (String n : List.of("t1", "t2", "t3", "t4")) {
      tasks.add(apps.start(n));
    }
    port = TestBackends.freePort();
    h = new Harness(dir);
    h.watcher.start();
  }

  @AfterEach
  void stop() {
    h.close();
    apps.close();
  }

  /**
   * Change i of the run: weights and membership rotate every time (runtime only); every fifth
   * change also flips the health-check interval, a backend option, so it needs a reload.
   */
  BackendSet change(int i) {
    HealthCheck hc = new HealthCheck("/", (i / 5) % 2 == 0 ? 200 : 250, 1, 2);
    List<BackendServer> servers = new ArrayList<>();
    for (int t = 0; t < tasks.size(); t++) {
      // Always at least two servers in service; the others rotate through drain, maint, removal.
      int phase = (i + t) % 6;
      if (t < 2 || phase < 3) {
        servers.add(server("t" + (t + 1), tasks.get(t), 1 + (i * 7 + t * 13) % 100, AdminState.READY));
      } else if (phase == 3) {
        servers.add(server("t" + (t + 1), tasks.get(t), 10, AdminState.DRAIN));
      } else if (phase == 4) {
        servers.add(server("t" + (t + 1), tasks.get(t), 10, AdminState.MAINT));
      } // phase 5: not in the set at all
    }
    return new BackendSet(GroupName.of("web"), i + 1L, port, ProxyMode.HTTP, "roundrobin", Optional.of(hc),
        servers, List.of());
  }

  static long p50(List<Long> xs) {
    return xs.isEmpty() ? 0 : xs.stream().sorted().toList().get(xs.size() / 2);
  }

  static long max(List<Long> xs) {
    return xs.stream().mapToLong(Long::longValue).max().orElse(0);
  }

  @Test
  void fiftyChangesWithReloadsUnderLoadLoseNothing() throws Exception {
    h.controller.apply(change(0), Epoch.of(1));
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ok = new AtomicLong();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      boolean keepAlive = c < 2;
      Thread t = new Thread(() -> {
        HttpProbe probe = new HttpProbe(port, keepAlive);
        while (running.get()) {
          try {
            probe.get();
            ok.incrementAndGet();
          } catch (IOException e) {
            failures.add((keepAlive ? "keep-alive: " : "new-conn: ") + e);
            probe.close();
          }
        }
        probe.close();
      }, "load-" + c);
      t.start();
      clients.add(t);
    }
    int reloads = 0;
    long commands = 0;
    List<Long> runtimeMs = new ArrayList<>();
    List<Long> reloadMs = new ArrayList<>();
    long start = System.nanoTime();
    try {
      for (int i = 1; i <= 50; i++) {
        long t0 = System.nanoTime();
        ApplyResult r = h.controller.apply(change(i), Epoch.of(1));
        (r.reloaded() ? reloadMs : runtimeMs).add((System.nanoTime() - t0) / 1_000_000);
        reloads += r.reloaded() ? 1 : 0;
        commands += r.runtimeCommands();
      }
    } finally {
      running.set(false);
      for (Thread t : clients) {
        t.join(10_000);
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    log.info("50 changes in {} s: {} reloads, {} runtime commands, {} requests OK, {} failed; "
        + "apply latency ms runtime-only p50 {} max {}, with reload p50 {} max {}",
        String.format("%.1f", secs), reloads, commands, ok.get(), failures.size(),
        p50(runtimeMs), max(runtimeMs), p50(reloadMs), max(reloadMs));
    assertThat(reloads).isGreaterThanOrEqualTo(5);
    assertThat(commands).isPositive();
    assertThat(ok.get()).isGreaterThan(1000);
    assertThat(failures).isEmpty();
    // Every task that was in service at some point took traffic.
    assertThat(tasks).allSatisfy(t -> assertThat(t.hits().get()).isPositive());
  }
}
