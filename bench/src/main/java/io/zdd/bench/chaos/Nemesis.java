package io.zdd.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.zdd.agent.AgentMain;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Injects one fault at a time, at seeded random gaps, in seeded random order: each round is a
 * shuffle of every {@link Fault} kind, so a short run still sees each kind. Every fault is healed
 * before the next one starts. Faults that cannot be injected here (no tmpfs without root) are
 * recorded as skipped, not counted.
 */
final class Nemesis {
  private static final Logger log = LoggerFactory.getLogger(Nemesis.class);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Duration ZK_FOLLOWER_DOWN = Duration.ofSeconds(10);
  private static final Duration METRIC_SLOW = Duration.ofSeconds(20);
  private static final Duration DISK_FULL = Duration.ofSeconds(15);

  private final SoakCluster soak;
  private final List<SoakApp> apps;
  private final Journal journal;
  private final Random random;
  private final Duration session;
  private final List<Integer> tmpfsAgents;
  private final Duration minGap;
  private final Duration maxGap;
  private final List<String> skipped = new ArrayList<>();

  Nemesis(SoakCluster soak, List<SoakApp> apps, Journal journal, Random random, Duration session,
      List<Integer> tmpfsAgents, Duration minGap, Duration maxGap) {
    this.soak = soak;
    this.apps = List.copyOf(apps);
    this.journal = journal;
    this.random = random;
    this.session = session;
    this.tmpfsAgents = List.copyOf(tmpfsAgents);
    this.minGap = minGap;
    this.maxGap = maxGap;
  }

  /** Injects faults until {@code until}; returns when the last one is healed. */
  void run(Instant until) throws InterruptedException {
    List<Fault> round = new ArrayList<>();
    while (true) {
      long gap = minGap.toMillis() + (long) (random.nextDouble() * (maxGap.toMillis() - minGap.toMillis()));
      // Never past the end: a long gap must not hold up the end of the run.
      TimeUnit.MILLISECONDS.sleep(Math.max(0, Math.min(gap, Duration.between(Instant.now(), until).toMillis())));
      if (!Instant.now().isBefore(until)) {
        return;
      }
      if (round.isEmpty()) {
        round.addAll(List.of(Fault.values()));
        Collections.shuffle(round, random);
      }
      Fault fault = round.remove(0);
      Instant at = Instant.now();
      try {
        Optional<String> detail = inject(fault);
        if (detail.isPresent()) {
          journal.fault(fault, at, Duration.between(at, Instant.now()), detail.get());
        }
      } catch (Exception e) {
        log.warn("could not inject {}: {}", fault, e.toString());
        skipped.add(fault + ": " + e);
      }
      journal.judgeFailures(Instant.now().minus(Journal.MARGIN.multipliedBy(2)));
    }
  }

  /** Faults that could not be injected, and why. */
  List<String> skipped() {
    return List.copyOf(skipped);
  }

  private Optional<String> inject(Fault fault) throws Exception {
    return switch (fault) {
      case KILL_LEADER -> {
        CoordinatorProcess leader = soak.awaitLeader(Duration.ofSeconds(60));
        long pid = leader.pid();
        leader.kill();
        TimeUnit.SECONDS.sleep(3);
        leader.start();
        yield Optional.of(leader.name() + " pid " + pid + " SIGKILLed, started again after 3 s");
      }
      case EXPIRE_LEADER_SESSION -> {
        CoordinatorProcess leader = soak.awaitLeader(Duration.ofSeconds(60));
        leader.signal("STOP");
        TimeUnit.MILLISECONDS.sleep(session.plusSeconds(4).toMillis());
        leader.signal("CONT");
        yield Optional.of(leader.name() + " frozen " + session.plusSeconds(4).toSeconds() + " s (session " + session.toSeconds()
            + " s)");
      }
      case RESTART_AGENT -> {
        int i = 1 + random.nextInt(soak.cluster.agents().size());
        Journal.Window down = journal.lbDown(soak.cluster.lbAddresses().get(i - 1));
        try {
          soak.cluster.restartAgent(i);
        } finally {
          down.close();
        }
        yield Optional.of("lb-" + i);
      }
      case RELOAD_HAPROXY -> {
        int i = random.nextInt(soak.cluster.agents().size());
        AgentMain.Running agent = soak.cluster.agents().get(i);
        long pid = agent.haproxyMasterPid().orElseThrow(() -> new IllegalStateException(agent.agentId() + " supervises no HAProxy"));
        HostCommands.signal("USR2", pid);
        yield Optional.of(agent.agentId() + " master pid " + pid);
      }
      case STOP_ZK_FOLLOWER -> {
        InstanceSpec spec = soak.zk.getInstances().stream().filter(s -> mode(s).equals("follower"))
            .findFirst().orElseThrow(() -> new IllegalStateException("no follower"));
        soak.zk.killServer(spec);
        TimeUnit.MILLISECONDS.sleep(ZK_FOLLOWER_DOWN.toMillis());
        soak.zk.restartServer(spec);
        yield Optional.of("server " + spec.getServerId() + " down " + ZK_FOLLOWER_DOWN.toSeconds() + " s");
      }
      case SLOW_PENDING_METRIC -> {
        SoakApp app = apps.get(random.nextInt(apps.size()));
        List<String> tasks = taskAddresses(app);
        tasks.forEach(t -> metricsDelay(t, 5000));
        TimeUnit.MILLISECONDS.sleep(METRIC_SLOW.toMillis());
        tasks.forEach(t -> metricsDelay(t, 0));
        yield Optional.of(app.name() + ": " + tasks.size() + " task(s) answer /metrics 5 s late for "
            + METRIC_SLOW.toSeconds() + " s");
      }
      case FULL_STATE_DIR -> {
        if (tmpfsAgents.isEmpty()) {
          throw new IllegalStateException("no agent state dir on a tmpfs (needs root to mount one)");
        }
        int i = tmpfsAgents.get(random.nextInt(tmpfsAgents.size()));
        Path fill = soak.cluster.agentDir(i).resolve("data").resolve("soak-fill");
        long bytes = fill(fill);
        TimeUnit.MILLISECONDS.sleep(DISK_FULL.toMillis());
        Files.deleteIfExists(fill);
        yield Optional.of("lb-" + i + " state dir full (" + bytes / 1024 + " KiB written) for " + DISK_FULL.toSeconds() + " s");
      }
    };
  }

  /** The server's role from the {@code srvr} four-letter command: leader, follower, or "" if it does not answer. */
  private static String mode(InstanceSpec spec) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", spec.getPort()), 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      return reply.lines().filter(l -> l.startsWith("Mode: ")).map(l -> l.substring(6).strip()).findFirst().orElse("");
    } catch (IOException e) {
      return "";
    }
  }

  /** Writes until the file system refuses; returns the bytes written. */
  private static long fill(Path file) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    long written = 0;
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(chunk);
        written += chunk.length;
      }
    } catch (IOException full) {
      if (written == 0) {
        throw full;
      }
      return written;
    }
  }

  private List<String> taskAddresses(SoakApp app) {
    List<String> out = new ArrayList<>();
    JsonNode tasks = soak.cluster.marathon().listTasks(Set.of("running")).path("tasks");
    for (JsonNode t : tasks) {
      if (app.owns(t.path("appId").asText())) {
        out.add(t.path("host").asText() + ":" + t.path("ports").path(0).asInt());
      }
    }
    return out;
  }

  private static void metricsDelay(String hostPort, long ms) {
    try {
      HTTP.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/metrics/delay?ms=" + ms))
          .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(3)).build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      log.debug("task {} did not take the metrics delay: {}", hostPort, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

}
