package io.zdd.bench.fleet;

import io.zdd.bench.LatencySummary;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.tls.ClusterCertificates;
import io.zdd.coordinator.engine.port.AgentCallResult;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One fleet size: the agents' JVM with N agents, the coordinator side connected to all of them,
 * the first set (creates the group everywhere: {@code haproxy -c} and a reload on every agent),
 * warm-up steps, an idle window, then the measured traffic steps back to back, each timed from
 * the call into the fleet layer to its return with every agent's read-back.
 */
final class FleetRun {
  private static final Epoch EPOCH = Epoch.of(1);
  /** The first set is retried for agents that did not confirm it (a deadline on a loaded machine), at most this often. */
  private static final int FIRST_APPLY_ATTEMPTS = 5;

  /** What one run needs to know. */
  record Settings(int agents, int realHaproxy, int steps, int warmup, Duration idle, Duration callDeadline,
      Duration setupDeadline, Duration sampleInterval, Path haproxyBin, List<String> agentsJvmOptions) {}

  /** The outcome of one fleet size. */
  record Result(Settings settings, double agentsStartSeconds, double firstApplyMs, int firstApplyAttempts,
      LatencySummary steps, long confirmed, long expected, List<String> failures, UsageSnapshot.Window idle,
      UsageSnapshot.Window busy, int real) {}

  private FleetRun() {}

  static Result run(Settings s, Path workDir) throws Exception {
    Path dir = Files.createDirectories(workDir.resolve("n" + s.agents()));
    Path pki = dir.resolve("pki");
    int real = Math.min(s.realHaproxy(), s.agents());
    // The CA first, so both JVMs open the same one.
    ClusterCertificates.openOrCreate(pki, FleetBench.TRUST_DOMAIN, Duration.ofDays(1), Clock.systemUTC());
    long t0 = System.nanoTime();
    System.err.printf(Locale.ROOT, "bench: N=%d: starting %d agents (%d with a real HAProxy, %d on the runtime-API "
        + "stand-in)%n", s.agents(), s.agents(), real, s.agents() - real);
    try (AgentsProcess agents = AgentsProcess.start(dir, pki, s.agents(), real, s.haproxyBin(), s.agentsJvmOptions(),
        1800)) {
      double startSeconds = (System.nanoTime() - t0) / 1e9;
      System.err.printf(Locale.ROOT, "bench: N=%d: agents up in %.1f s (pid %d)%n", s.agents(), startSeconds,
          agents.pid());
      TrafficSteps plan = new TrafficSteps(freePort());
      long version = 1;
      long firstStart;
      int attempts = 0;
      // The first set makes every agent run 'haproxy -c' and reload at once: on a small machine that
      // takes longer than a step's deadline, so it goes through a fleet layer of its own with a
      // longer one (setup, not measured as a step).
      try (CoordinatorSide setup = new CoordinatorSide(pki, agents.agents(), s.setupDeadline(), s.sampleInterval())) {
        awaitStreams(setup, s.agents());
        firstStart = System.nanoTime();
        List<String> firstFailures;
        do {
          attempts++;
          firstFailures = failures(plan.set(version), setup.applyEverywhere(plan.set(version), EPOCH), s.agents());
          version++;
        } while (!firstFailures.isEmpty() && attempts < FIRST_APPLY_ATTEMPTS);
        if (!firstFailures.isEmpty()) {
          throw new IllegalStateException("the first set was not confirmed by every agent after " + attempts
              + " attempts: " + firstFailures.subList(0, Math.min(5, firstFailures.size())) + "\n" + agents.logTail());
        }
      }
      double firstMs = (System.nanoTime() - firstStart) / 1e6;
      System.err.printf(Locale.ROOT, "bench: N=%d: group created on every agent in %.0f ms (%d attempt(s))%n",
          s.agents(), firstMs, attempts);
      try (CoordinatorSide coordinator = new CoordinatorSide(pki, agents.agents(), s.callDeadline(),
          s.sampleInterval())) {
        awaitStreams(coordinator, s.agents());
        for (int i = 0; i < s.warmup(); i++) {
          BackendSet set = plan.set(version++);
          var unused = failures(set, coordinator.applyEverywhere(set, EPOCH), s.agents());
        }
        String bin = s.haproxyBin().toString();
        UsageSnapshot idleStart = UsageSnapshot.take(agents.pid(), bin);
        Thread.sleep(s.idle().toMillis()); // the idle window: nothing to wait for, only time to let pass
        UsageSnapshot.Window idle = UsageSnapshot.take(agents.pid(), bin).since(idleStart);
        System.err.printf(Locale.ROOT, "bench: N=%d: idle %.0f s measured; %d steps%n", s.agents(), idle.seconds(),
            s.steps());

        List<Long> nanos = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long confirmed = 0;
        UsageSnapshot busyStart = UsageSnapshot.take(agents.pid(), bin);
        for (int i = 0; i < s.steps(); i++) {
          BackendSet set = plan.set(version++);
          long start = System.nanoTime();
          Map<AgentId, AgentCallResult> answers = coordinator.applyEverywhere(set, EPOCH);
          nanos.add(System.nanoTime() - start);
          List<String> f = failures(set, answers, s.agents());
          confirmed += s.agents() - f.size();
          failures.addAll(f);
          if ((i + 1) % 10 == 0) {
            System.err.printf(Locale.ROOT, "bench: N=%d: %d/%d steps%n", s.agents(), i + 1, s.steps());
          }
        }
        UsageSnapshot.Window busy = UsageSnapshot.take(agents.pid(), bin).since(busyStart);
        return new Result(s, startSeconds, firstMs, attempts, LatencySummary.ofNanos(nanos), confirmed,
            (long) s.steps() * s.agents(), failures.subList(0, Math.min(5, failures.size())), idle, busy,
            real);
      }
    }
  }

  /** Each agent's reason for not confirming {@code set}, plus one line per agent that did not answer at all. */
  private static List<String> failures(BackendSet set, Map<AgentId, AgentCallResult> answers, int agents) {
    List<String> out = new ArrayList<>();
    for (AgentCallResult r : answers.values()) {
      Optional<String> why = TrafficSteps.unconfirmed(set, r);
      why.ifPresent(out::add);
    }
    for (int i = answers.size(); i < agents; i++) {
      out.add("an agent the fleet layer did not call (" + answers.size() + " answers for " + agents + " agents)");
    }
    return out;
  }

  /** A port free on every address right now: the real HAProxies bind it, each on its own loopback address. */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Waits (at most 10 minutes) until the engine sees every agent's WatchConnections stream up. */
  private static void awaitStreams(CoordinatorSide coordinator, int agents) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    long seen = 0;
    while (System.nanoTime() < deadline) {
      seen = coordinator.connected(TrafficSteps.GROUP);
      if (seen == agents) {
        return;
      }
      Thread.sleep(100); // the fleet layer has no event for "all connected"; polled as the engine reads it
    }
    throw new IllegalStateException("only " + seen + " of " + agents + " agents' streams came up within 10 minutes");
  }
}
