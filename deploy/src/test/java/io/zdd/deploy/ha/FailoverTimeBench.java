package io.zdd.deploy.ha;

import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Phase;
import io.zdd.deploy.cluster.LocalCluster;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;

/**
 * Time from leader loss to the new leader acting. Not a test (no
 * IT/Test suffix, so {@code verify} never runs it); a main that prints a Markdown table.
 *
 * <p>Cluster: a {@code TestingCluster} of three ZooKeeper servers, two lb-agents with real
 * HAProxy, three coordinators, the local Marathon. Each repetition deploys a new version of one
 * group (2 instances) and, when the deployment enters SCALE_GREEN, loses the leader in one of three
 * ways:
 * <ul>
 *   <li>{@code stop}: the leader's Coordinator is closed (a clean shutdown / SIGTERM: it releases its
 *       election node at once);
 *   <li>{@code session-loss}: the leader's ZooKeeper session is expired on its client (Curator's
 *       KillSession) without telling the server — as a partition looks to ZooKeeper, whose
 *       server keeps the session until the session timeout; the running process, though,
 *       removes its election node as soon as it reconnects;
 *   <li>{@code crash (SIGKILL)}: a coordinator in its own JVM is made leader and SIGKILLed, so only
 *       the session timeout frees its election node.
 * </ul>
 * It measures from that moment to (a) another coordinator holding a leader term and (b) the
 * resumed deployment's first event under the new epoch (EPOCH_CHANGED).
 *
 * <p>Run: {@code mvn -B -o -pl deploy -Dzdd.buildDir=/tmp/build-bench test-compile} then
 * {@code java -cp "$(cat /tmp/build-bench/cp.txt):/tmp/build-bench/test-classes:/tmp/build-bench/classes"
 * io.zdd.deploy.ha.FailoverTimeBench [repetitions] [sessionTimeoutMs]} (see docs/benchmarks.md).
 */
public final class FailoverTimeBench {
  private FailoverTimeBench() {}

  private record Sample(String mode, long electedMs, long actingMs) {}

  public static void main(String[] args) throws Exception {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Duration session = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 6000);
    Path work = Files.createTempDirectory("zdd-failover-bench");
    List<Sample> samples = new ArrayList<>();
    int version = 1;
    try (HaCluster ha = HaCluster.start(work, 2, 3, session)) {
      runToEnd(ha, version++, null);
      for (String mode : List.of("stop", "session-loss")) {
        for (int i = 0; i < reps; i++) {
          samples.add(runToEnd(ha, version++, mode));
        }
      }
      for (int i = 0; i < reps; i++) {
        samples.add(crashExternalLeader(ha, version++, session));
      }
    }
    System.out.printf(Locale.ROOT, "%nsession timeout %d ms, %d repetitions per mode%n%n", session.toMillis(), reps);
    System.out.println("| mode | rep | leader elected (ms) | resumed deployment acting: EPOCH_CHANGED (ms) |");
    System.out.println("|---|---|---|---|");
    int n = 0;
    for (Sample s : samples) {
      System.out.printf(Locale.ROOT, "| %s | %d | %d | %d |%n", s.mode(), (n++ % reps) + 1, s.electedMs(), s.actingMs());
    }
  }

  /** Deploys the next version; with a mode, loses the leader at SCALE_GREEN and times the takeover. */
  private static Sample runToEnd(HaCluster ha, int version, String mode) throws Exception {
    AtomicBoolean fired = new AtomicBoolean();
    AtomicLong lostAt = new AtomicLong();
    AtomicLong electedAt = new AtomicLong();
    AtomicLong actingAt = new AtomicLong();
    CountDownLatch acting = new CountDownLatch(1);
    List<Coordinator> live = ha.cluster.coordinators().stream().flatMap(s -> s.coordinator().stream()).toList();
    for (Coordinator c : live) {
      c.events().addListener(e -> {
        if (!e.deployment().group().value().equals("bench")) {
          return;
        }
        if (e.kind() == EventKind.EPOCH_CHANGED && lostAt.get() != 0 && actingAt.compareAndSet(0, System.nanoTime())) {
          acting.countDown();
        }
        if (mode != null && e.kind() == EventKind.PHASE_CHANGED && e.deployment().phase() == Phase.SCALE_GREEN
            && fired.compareAndSet(false, true)) {
          new Thread(() -> loseLeader(ha, c, mode, lostAt, electedAt), "bench-lose-leader").start();
        }
      });
    }
    HaCluster.CliRun r = ha.cli("deploy", ha.app("bench", 10600, "v" + version, 2).toString(), "--detach",
        "--step-delay", "0.5");
    if (r.exit() != 0) {
      throw new IllegalStateException("deploy failed: " + r.err() + r.out());
    }
    String id = HaCluster.deploymentId(r);
    if (mode != null && !acting.await(90, TimeUnit.SECONDS)) {
      throw new IllegalStateException("no EPOCH_CHANGED within 90 s after losing the leader (" + mode + ")");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      try {
        String outcome = ha.status(id).path("outcome").asText();
        if (!outcome.equals("OUTCOME_UNSPECIFIED")) {
          if (!outcome.equals("SUCCEEDED")) {
            throw new IllegalStateException("deployment " + id + " ended " + outcome);
          }
          break;
        }
      } catch (AssertionError e) {
        // no coordinator answering for a moment during the takeover
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("deployment " + id + " did not finish");
      }
      Thread.sleep(500); // a benchmark's poll of the outcome, not a test wait
    }
    if (mode == null) {
      return null;
    }
    return new Sample(mode, TimeUnit.NANOSECONDS.toMillis(electedAt.get() - lostAt.get()),
        TimeUnit.NANOSECONDS.toMillis(actingAt.get() - lostAt.get()));
  }

  /**
   * A real crash: a coordinator in its own JVM ({@code CoordinatorMain}) is made the leader, and
   * at SCALE_GREEN the process is killed with SIGKILL. Nothing releases its election node; the
   * standbys take over only when ZooKeeper expires its session.
   */
  private static Sample crashExternalLeader(HaCluster ha, int version, Duration session) throws Exception {
    int port = freePort();
    List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java",
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.zdd.coordinator.CoordinatorMain",
        "--listen", "127.0.0.1:" + port, "--advertise", "127.0.0.1:" + port,
        "--metrics-listen", "127.0.0.1:" + freePort(), "--zk", ha.zk.getConnectString(),
        "--zk-session-timeout", session.toString(), "--marathon", ha.cluster.marathonUrl(),
        "--sample-interval", "PT0.2S", "--insecure-marathon",
        "--zk-digest-file", ha.cluster.coordinatorZkDigestFile().toString(),
        "--zk-agent-digest-file", ha.cluster.agentZkDigestFile().toString()));
    cmd.addAll(io.zdd.common.tls.TlsOptions.flags(ha.cluster.issue(io.zdd.common.tls.SpiffeId.Role.COORDINATOR, "external")));
    Process external = new ProcessBuilder(cmd)
        .redirectErrorStream(true).redirectOutput(ha.work.resolve("external-coordinator-" + version + ".log").toFile())
        .start();
    try {
      // Hand leadership round until the external coordinator holds it (the in-JVM ones re-queue).
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!externalLeads(ha, port)) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException("the external coordinator never became leader");
        }
        var slot = ha.cluster.leader();
        if (slot.isPresent() && externalAnswers(ha, port)) {
          ha.cluster.stopCoordinator(slot.get());
          ha.restart(slot.get());
        }
        Thread.sleep(1000); // let the election settle (benchmark set-up, not measured)
      }
      AtomicLong lostAt = new AtomicLong();
      AtomicLong actingAt = new AtomicLong();
      CountDownLatch acting = new CountDownLatch(1);
      for (Coordinator c : ha.cluster.coordinators().stream().flatMap(s -> s.coordinator().stream()).toList()) {
        c.events().addListener(e -> {
          if (e.deployment().group().value().equals("bench") && e.kind() == EventKind.EPOCH_CHANGED
              && lostAt.get() != 0 && actingAt.compareAndSet(0, System.nanoTime())) {
            acting.countDown();
          }
        });
      }
      HaCluster.CliRun r = ha.cliAt("127.0.0.1:" + port, "deploy",
          ha.app("bench", 10600, "v" + version, 2).toString(), "--detach", "--step-delay", "0.5");
      if (r.exit() != 0) {
        throw new IllegalStateException("deploy failed: " + r.err() + r.out());
      }
      String id = HaCluster.deploymentId(r);
      while (!ha.status(id).path("phase").asText().equals("SCALE_GREEN")) {
        Thread.sleep(20);
      }
      lostAt.set(System.nanoTime());
      external.destroyForcibly(); // SIGKILL
      long electedAt = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (electedAt == 0 && System.nanoTime() < deadline) {
        if (ha.cluster.leader().isPresent()) {
          electedAt = System.nanoTime();
        }
        Thread.sleep(2);
      }
      if (!acting.await(90, TimeUnit.SECONDS)) {
        throw new IllegalStateException("no EPOCH_CHANGED within 90 s after the crash");
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!ha.status(id).path("outcome").asText().equals("SUCCEEDED")) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("deployment " + id + " did not succeed: " + ha.status(id));
        }
        Thread.sleep(500);
      }
      return new Sample("crash (SIGKILL)", TimeUnit.NANOSECONDS.toMillis(electedAt - lostAt.get()),
          TimeUnit.NANOSECONDS.toMillis(actingAt.get() - lostAt.get()));
    } finally {
      external.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Started, and no in-JVM coordinator leads twice in a row, a second apart. */
  private static boolean externalLeads(HaCluster ha, int port) throws InterruptedException {
    if (!externalAnswers(ha, port) || ha.cluster.leader().isPresent()) {
      return false;
    }
    Thread.sleep(1000);
    return ha.cluster.leader().isEmpty();
  }

  private static boolean externalAnswers(HaCluster ha, int port) {
    return ha.cliAt("127.0.0.1:" + port, "agents").exit() == 0;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void loseLeader(HaCluster ha, Coordinator leader, String mode, AtomicLong lostAt, AtomicLong electedAt) {
    try {
      LocalCluster.CoordinatorSlot slot = ha.slotOf(leader).orElseThrow();
      Thread stopper = null;
      lostAt.set(System.nanoTime());
      if (mode.equals("stop")) {
        // The close takes a while after releasing leadership (servers, clients); time from its start.
        stopper = new Thread(() -> ha.cluster.stopCoordinator(slot), "bench-stop");
        stopper.start();
      } else {
        KillSession.kill(curatorOf(leader).getZookeeperClient().getZooKeeper());
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (System.nanoTime() < until) {
        boolean other = ha.cluster.coordinators().stream().flatMap(s -> s.coordinator().stream())
            .anyMatch(c -> c != leader && c.isLeader());
        if (other) {
          electedAt.set(System.nanoTime());
          break;
        }
        Thread.sleep(2); // 2 ms resolution for the election time
      }
      if (stopper != null) {
        stopper.join();
        ha.restart(slot);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static CuratorFramework curatorOf(Coordinator c) throws Exception {
    Field f = Coordinator.class.getDeclaredField("curator");
    f.setAccessible(true);
    return (CuratorFramework) f.get(c);
  }
}
