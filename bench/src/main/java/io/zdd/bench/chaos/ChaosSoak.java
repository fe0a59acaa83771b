package io.zdd.bench.chaos;

import io.zdd.common.config.Durations;
import io.zdd.deploy.cluster.LoadGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The chaos soak: a whole zdd cluster on this machine (3 ZooKeeper servers, coordinators in their
 * own JVMs, lb-agents with real HAProxies in several Marathon-LB groups, many apps), continuous
 * load through every LB, deployments of every kind, and a nemesis injecting faults — then the
 * invariants, checked as it goes and at the end, in a Markdown report. Seeded: the same seed
 * makes the same choices (apps, kinds, faults and their order, gaps), so a failing run can be
 * replayed (timing on a busy machine still varies).
 */
@Command(name = "chaos-soak", mixinStandardHelpOptions = true,
    description = "Run zdd's chaos soak and report faults, deployments, requests and invariants.")
public final class ChaosSoak implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ChaosSoak.class);
  private static final int FIRST_SERVICE_PORT = 11000;
  private static final String SWAP_GROUP = "lbg-swap";

  /**
   * What to run.
   *
   * @param agents, lbGroups, apps the weights LBs, spread over {@code lbGroups} Marathon-LB groups, and their apps
   * @param swapAgents, swapApps the port-swap LBs (each in its own network namespace) in one more
   *     Marathon-LB group, and the apps it serves, always deployed by port swap
   */
  public record Settings(Duration duration, long seed, int agents, int lbGroups, int apps, int swapAgents, int swapApps,
      int coordinators, int inFlight, double ratePerApp, Duration minGap, Duration maxGap, Duration session, Path work) {}

  /** What came out: the report, and the invariant violations (empty when every invariant held). */
  public record Result(String report, List<String> violations) {}

  @Option(names = "--duration", converter = Durations.Converter.class, defaultValue = "30m",
      description = "How long deployments and faults go on (default 30m)")
  Duration duration;
  @Option(names = "--seed", description = "Seed of every random choice (default: a new one, printed)")
  Long seed;
  @Option(names = "--agents", defaultValue = "6", description = "lb-agents, each with its own HAProxy (default 6)")
  int agents;
  @Option(names = "--lb-groups", defaultValue = "3", description = "Marathon-LB groups the agents are spread over (default 3)")
  int lbGroups;
  @Option(names = "--apps", defaultValue = "10", description = "Apps, each its own deployment group (default 10)")
  int apps;
  @Option(names = "--swap-agents", defaultValue = "2",
      description = "lb-agents in the port-swap Marathon-LB group, each LB in its own network namespace (default 2; needs root)")
  int swapAgents;
  @Option(names = "--swap-apps", defaultValue = "2", description = "Apps in the port-swap group (default 2)")
  int swapApps;
  @Option(names = "--coordinators", defaultValue = "3", description = "Coordinators, each in its own JVM (default 3)")
  int coordinators;
  @Option(names = "--in-flight", defaultValue = "3", description = "Deployments running at once (default 3)")
  int inFlight;
  @Option(names = "--rate", defaultValue = "20", description = "Requests per second per app, over its LBs (default 20)")
  double rate;
  @Option(names = "--fault-gap-min", converter = Durations.Converter.class, defaultValue = "10s",
      description = "Shortest quiet time between two faults (default 10s)")
  Duration minGap;
  @Option(names = "--fault-gap-max", converter = Durations.Converter.class, defaultValue = "25s",
      description = "Longest quiet time between two faults (default 25s)")
  Duration maxGap;
  @Option(names = "--zk-session-timeout", converter = Durations.Converter.class, defaultValue = "6s",
      description = "Coordinators' and agents' ZooKeeper session timeout (default 6s)")
  Duration session;
  @Option(names = "--work-dir", description = "Where the cluster writes (default: a new temporary directory)")
  Path workDir;
  @Option(names = "--out", description = "Also write the Markdown report to this file")
  Path out;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ChaosSoak()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    long s = seed != null ? seed : new Random().nextLong();
    Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("zdd-chaos-");
    System.out.println("chaos soak: seed " + s + ", work dir " + work);
    Result r = run(new Settings(duration, s, agents, lbGroups, apps, swapAgents, swapApps, coordinators, inFlight, rate,
        minGap, maxGap, session, work));
    System.out.println(r.report());
    if (out != null) {
      Files.writeString(out, r.report());
    }
    return r.violations().isEmpty() ? 0 : 1;
  }

  /** Runs the soak; everything it started is stopped before it returns. */
  public static Result run(Settings s) throws Exception {
    Random random = new Random(s.seed());
    Journal journal = new Journal();
    IntFunction<List<String>> groupsOfAgent = i -> List.of(i > s.agents() ? SWAP_GROUP : "lbg-" + ((i - 1) % s.lbGroups()));
    List<SoakApp> apps = new ArrayList<>();
    for (int k = 0; k < s.apps() + s.swapApps(); k++) {
      boolean swap = k >= s.apps();
      apps.add(new SoakApp(swap ? "swap" + (k - s.apps()) : "app" + k, swap ? SWAP_GROUP : "lbg-" + (k % s.lbGroups()),
          FIRST_SERVICE_PORT + 10 * k, 1 + k % 2, swap));
    }
    int allAgents = s.agents() + s.swapAgents();
    StateDirs stateDirs = new StateDirs();
    LbNamespaces namespaces = new LbNamespaces();
    Instant began = Instant.now();
    List<String> leftovers = new ArrayList<>();
    Map<String, String> mismatches = Map.of();
    List<String> skipped = List.of();
    long sent = 0;
    long ok = 0;
    int kills = 0;
    List<LoadGenerator> loads = new ArrayList<>();
    AtomicReference<SoakCluster> started = new AtomicReference<>();
    // A run stopped by Ctrl-C or TERM still stops what it started (coordinator JVMs, HAProxies, app
    // tasks, mounts, namespaces); none of them would die with this JVM.
    Thread onTerm = new Thread(() -> {
      Optional.ofNullable(started.get()).ifPresent(SoakCluster::close);
      stateDirs.close();
      namespaces.close();
    }, "chaos-soak-stop");
    Runtime.getRuntime().addShutdownHook(onTerm);
    try (stateDirs; namespaces) {
      for (int n = 1; n <= s.swapAgents(); n++) {
        namespaces.make(n);
      }
      SoakCluster soak = SoakCluster.start(s.work(), allAgents, s.coordinators(), s.session(), groupsOfAgent,
          i -> namespaces.get(i - s.agents()), stateDirs::prepare);
      started.set(soak);
      try (soak) {
        DeploymentLoop loop = new DeploymentLoop(soak, apps, journal, random, s.inFlight(),
            Files.createDirectories(s.work().resolve("apps")));
        loop.deployFirstVersions();
        for (SoakApp app : apps) {
          List<LoadGenerator.Target> targets = new ArrayList<>();
          for (int i = 1; i <= allAgents; i++) {
            if (groupsOfAgent.apply(i).contains(app.lbGroup())) {
              targets.add(new LoadGenerator.Target(soak.cluster.lbAddresses().get(i - 1), app.servicePort()));
            }
          }
          LoadGenerator load = new LoadGenerator(targets, 1, s.ratePerApp(), "/")
              .onFailure((t, why) -> journal.failed(new Journal.Failure(Instant.now(), app.name(), t.host(), why)));
          loads.add(load);
          load.start();
        }
        Nemesis nemesis = new Nemesis(soak, apps, journal, new Random(random.nextLong()), s.session(), stateDirs.mounted(),
            s.minGap(), s.maxGap());
        Instant until = Instant.now().plus(s.duration());
        ExecutorService nemesisThread = Executors.newSingleThreadExecutor();
        Future<?> faults = nemesisThread.submit(() -> {
          nemesis.run(until);
          return null;
        });
        KillWatch kill = new KillWatch(soak.cluster, journal);
        try (kill) {
          loop.run(until);
          faults.get();
          nemesisThread.shutdown();
          mismatches = awaitSteadyState(new SteadyStateCheck(soak.cluster, groupsOfAgent), apps);
          kills = kill.totalKills();
        }
        skipped = nemesis.skipped();
        for (LoadGenerator l : loads) {
          LoadGenerator.Stats st = l.stop();
          sent += st.requests();
          ok += st.ok();
        }
        journal.judgeFailures(Instant.now());
      } finally {
        loads.forEach(LoadGenerator::close);
      }
      started.set(null);
      leftovers.addAll(Leftovers.find(s.work(), soak.cluster.lbAddresses(), apps));
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(onTerm);
      } catch (IllegalStateException stopping) {
        // the JVM is stopping: the hook does the stopping
      }
    }
    namespaces.remaining().forEach(ns -> leftovers.add("network namespace " + ns));
    mismatches.forEach((k, v) -> journal.violation(Invariant.LB_MATCHES_MARATHON,
        "LB state differs from Marathon after convergence: " + k + " " + v));
    leftovers.forEach(l -> journal.violation(Invariant.NOTHING_LEFT, "left behind: " + l));
    String report = new SoakReport(s, journal, Duration.between(began, Instant.now()), sent, ok, kills, skipped)
        .markdown();
    return new Result(report, journal.violations());
  }

  /** Waits up to 2 minutes for every LB to agree with Marathon; returns what still differs. */
  private static Map<String, String> awaitSteadyState(SteadyStateCheck check, List<SoakApp> apps)
      throws InterruptedException {
    Instant until = Instant.now().plus(Duration.ofMinutes(2));
    Map<String, String> last = check.mismatches(apps);
    while (!last.isEmpty() && Instant.now().isBefore(until)) {
      log.info("waiting for the LBs to converge: {}", last);
      TimeUnit.SECONDS.sleep(2);
      last = check.mismatches(apps);
    }
    return last;
  }

  /** Agents' state directories, each on its own small tmpfs when this process may mount one. */
  static final class StateDirs implements AutoCloseable {
    private final List<Path> mounts = new ArrayList<>();
    private final List<Integer> agents = new ArrayList<>();

    void prepare(int agent, Path dir) throws IOException {
      Path data = Files.createDirectories(dir.resolve("data"));
      try {
        HostCommands.run("/bin/mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "zdd-soak", data.toString());
        mounts.add(data);
        agents.add(agent);
      } catch (IOException e) {
        log.warn("agent {}'s state dir stays on disk ({}); the full-state-dir fault is skipped", agent, e.getMessage());
      }
    }

    List<Integer> mounted() {
      return List.copyOf(agents);
    }

    @Override
    public void close() {
      for (Path m : mounts) {
        try {
          HostCommands.run("/bin/umount", "-l", m.toString());
        } catch (IOException e) {
          log.warn("could not unmount {}: {}", m, e.getMessage());
        }
      }
    }
  }
}
