package io.zdd.deploy.demo;

import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.cli.ExitCodes;
import io.zdd.coordinator.cli.ZddCli;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Phase;
import io.zdd.deploy.cluster.DemoAppDefinition;
import io.zdd.deploy.cluster.LoadGenerator;
import io.zdd.deploy.cluster.LocalCluster;
import io.zdd.deploy.report.DemoTimeline;
import io.zdd.deploy.report.ReportWriter;
import io.zdd.deploy.report.TimelineJson;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The demo: a local cluster of 3 LB hosts and 3 coordinators, load through every LB, then v1
 * (first deployment), v2 as blue/green, v3 as a canary {@code --traffic 10,50,100}, each driven
 * with the real {@code zdd} CLI against the coordinators. Ends with a summary and an HTML report.
 */
public final class DemoRun {
  static final String GROUP = "demo";
  /** The version the demo deploys bad, for canary analysis to roll back. */
  static final String BAD_VERSION = "v4";
  static final int SERVICE_PORT = 10000;
  static final int ALT_PORT = 10001;

  /** Settings of one demo run. */
  public record Settings(Path workDir, int lbs, int coordinators, int instances, double rate, boolean killLeader,
      boolean live, Duration stepPause) {}

  /** What the run produced. */
  public record Result(DemoTimeline timeline, Path report, Path timelineJson, LocalCluster cluster) {
    public boolean zeroFailures() {
      return timeline.totals().otherFailures() == 0
          && timeline.deployments().stream().allMatch(DemoTimeline.DeploymentSummary::asExpected);
    }
  }

  private final Settings settings;
  private final PrintWriter out;
  private final Map<String, DeploymentEvent> finished = new ConcurrentHashMap<>();

  public DemoRun(Settings settings, PrintWriter out) {
    this.settings = settings;
    this.out = out;
  }

  /** Runs the demo; the cluster is left running in the result (the caller closes it). */
  public Result run() throws Exception {
    LocalCluster cluster = new LocalCluster(new LocalCluster.Options(settings.lbs(), settings.coordinators(),
        settings.workDir().resolve("cluster"), Duration.ofSeconds(6), true));
    say("starting the local cluster in %s: ZooKeeper, Marathon API, %d LB hosts (lb-agent + HAProxy), %d coordinators",
        settings.workDir(), settings.lbs(), settings.coordinators());
    cluster.start();
    waitFor("a leader", Duration.ofSeconds(60), () -> cluster.leader().isPresent());
    waitFor("every LB connected", Duration.ofSeconds(60),
        () -> cli(cluster, null, "agents").out().split(" connected ", -1).length - 1 == settings.lbs());
    say("Marathon API %s; coordinators %s; leader %s", cluster.marathonUrl(),
        cluster.coordinators().stream().map(LocalCluster.CoordinatorSlot::address).toList(),
        cluster.leader().map(LocalCluster.CoordinatorSlot::address).orElse("?"));

    List<LoadGenerator.Target> targets = cluster.lbAddresses().stream()
        .map(a -> new LoadGenerator.Target(a, SERVICE_PORT)).toList();
    // The timeline watches every LB as the admin operator (reads need any cluster identity).
    Map<String, io.grpc.ManagedChannel> agentChannels = new LinkedHashMap<>();
    cluster.agents().forEach(a -> agentChannels.put(a.agentId().value(),
        cluster.agentChannel(a, io.zdd.common.tls.SpiffeId.Role.OPERATOR, LocalCluster.OPERATOR)));

    // Enough keep-alive connections that each sends at most ~25 requests/s: on a busy 2-core
    // machine a round trip can take 30 ms, and a paced connection must not fall behind.
    int perTarget = (int) Math.max(2, Math.ceil(settings.rate() / targets.size() / 25));
    LoadGenerator load = new LoadGenerator(targets, perTarget, settings.rate(), "/");
    TimelineRecorder recorder = new TimelineRecorder(load, agentChannels);
    Consumer<DeploymentEvent> listener = e -> {
      recorder.onEvent(e);
      if (e.kind() == EventKind.FINISHED) {
        finished.put(e.deployment().id(), e);
      }
    };
    List<Coordinator> listenedTo = new ArrayList<>();
    for (LocalCluster.CoordinatorSlot s : cluster.coordinators()) {
      s.coordinator().ifPresent(c -> {
        c.events().addListener(listener);
        listenedTo.add(c);
      });
    }

    List<DemoTimeline.DeploymentSummary> summaries = new ArrayList<>();
    String cp = System.getProperty("java.class.path");
    try {
      summaries.add(deploy(cluster, recorder, "v1 first deployment", "v1", cp, List.of(), Version.GOOD));
      waitFor("the LBs to serve v1", Duration.ofSeconds(60), () -> LoadGenerator.everyTargetAnswers(targets));
      say("load: %.0f requests/s through %d LBs (%s), keep-alive, no retries", settings.rate(), targets.size(), targets);
      load.start();
      AtomicBoolean killed = new AtomicBoolean();
      Consumer<DeploymentEvent> killer = settings.killLeader() ? e -> {
        if (e.deployment().phase() == Phase.DRAIN_BLUE && killed.compareAndSet(false, true)) {
          cluster.leader().ifPresent(slot -> new Thread(() -> {
            say("--kill-leader: stopping the leading coordinator %s in phase %s", slot.address(), e.deployment().phase());
            cluster.stopCoordinator(slot);
          }, "kill-leader").start());
        }
      } : e -> { };
      listenedTo.forEach(c -> c.events().addListener(killer));
      summaries.add(deploy(cluster, recorder, "v2 blue/green", "v2", cp, List.of(), Version.GOOD));
      summaries.add(deploy(cluster, recorder, "v3 canary 10/50/100", "v3", cp,
          List.of("--traffic", "10,50,100", "--step-pause", Long.toString(settings.stepPause().toSeconds())), Version.GOOD));
      summaries.add(deploy(cluster, recorder, "v4 bad canary, rolled back by analysis", BAD_VERSION, cp,
          List.of("--traffic", "10,50,100"), Version.BAD));
      Thread.sleep(2000); // two more samples after the last switch, for the report
    } finally {
      load.stop();
    }
    DemoTimeline timeline = recorder.timeline("zdd demo: blue/green and canary across " + settings.lbs() + " LBs", summaries,
        BAD_VERSION);
    recorder.close();
    Path report = settings.workDir().resolve("report.html");
    Path json = settings.workDir().resolve("timeline.json");
    ReportWriter.write(timeline, report);
    TimelineJson.write(timeline, json);
    return new Result(timeline, report, json, cluster);
  }

  /**
   * A good version, or the bad one: it answers a fifth of its requests with 500, and its labels
   * gate its canary with an LB-observed rule (5xx ratio at most 1 %), so zdd rolls it back by itself.
   */
  private enum Version {
    GOOD(Map.of(), "succeeded"),
    BAD(Map.of("ZDD_DEMO_ERROR_RATE", "0.2"), "rolled_back");

    final Map<String, String> env;
    final String expected;

    Version(Map<String, String> env, String expected) {
      this.env = env;
      this.expected = expected;
    }
  }

  /**
   * The bad canary's gate: a measurement every 3 s needs half of what the first step (10 %) gets
   * at the demo's rate, so a slow demo judges too; until then measurements are inconclusive, and
   * enough of them are allowed that the demo never pauses for want of traffic.
   */
  static Map<String, String> badCanaryGate(double rate) {
    long minRequests = Math.max(10, Math.round(rate * 0.10 * 3 / 2));
    return Map.of("ZDD_ANALYSIS_MAX_5XX_RATIO", "0.01", "ZDD_ANALYSIS_MIN_REQUESTS", Long.toString(minRequests),
        "ZDD_ANALYSIS_INTERVAL", "3s", "ZDD_ANALYSIS_COUNT", "2", "ZDD_ANALYSIS_INCONCLUSIVE_LIMIT", "20");
  }

  private DemoTimeline.DeploymentSummary deploy(LocalCluster cluster, TimelineRecorder recorder, String name,
      String version, String cp, List<String> extra, Version kind) throws Exception {
    Path app = settings.workDir().resolve("app-" + version + ".json");
    Files.writeString(app, DemoAppDefinition.json(GROUP, SERVICE_PORT, ALT_PORT, version, settings.instances(), 500, cp,
        kind.env, kind == Version.BAD ? badCanaryGate(settings.rate()) : Map.of()));
    recorder.nextDeployment(name);
    say("");
    say("== %s: zdd deploy %s %s", name, app.getFileName(), String.join(" ", extra));
    double t0 = recorder.now();
    List<String> args = new ArrayList<>(List.of("deploy", app.toString(), "--step-delay", "0.5", "--health-timeout", "180",
        "--pending-metric", "zdd_demo_pending_operations"));
    args.addAll(extra);
    CliResult r = cli(cluster, settings.live() ? out : null, args.toArray(String[]::new));
    // The CLI's stream breaks when its coordinator dies (--kill-leader); follow the new leader.
    for (int attempt = 0; r.exit() == ExitCodes.UNAVAILABLE && attempt < 30; attempt++) {
      String id = recorder.idOf(name);
      say("   (coordinator stream lost; following deployment %s on the new leader)", id);
      Thread.sleep(1000);
      r = cli(cluster, settings.live() ? out : null, "status", id, "--watch");
    }
    double duration = recorder.now() - t0;
    String id = recorder.idOf(name);
    // The CLI's stream can end before the event log has handed FINISHED to our listener.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (id != null && !finished.containsKey(id) && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    DeploymentEvent fin = id == null ? null : finished.get(id);
    String outcome = fin != null ? TimelineRecorder.outcome(fin.deployment().outcome())
        : r.exit() == ExitCodes.OK ? "succeeded" : r.exit() == ExitCodes.ROLLED_BACK ? "rolled_back" : "failed";
    if (fin != null && fin.deployment().startedAt() != null) {
      duration = Duration.between(fin.deployment().startedAt(), fin.at()).toMillis() / 1000.0;
    }
    say("== %s: %s in %.1f s (exit %d)", name, outcome, duration, r.exit());
    if (r.exit() != 0 && !r.err().isBlank()) {
      say("   %s", r.err().strip());
    }
    return new DemoTimeline.DeploymentSummary(name, outcome, Math.max(0, duration), recorder.drainSeconds(name), kind.expected);
  }

  record CliResult(int exit, String out, String err) {}

  private static CliResult cli(LocalCluster cluster, PrintWriter live, String... args) {
    StringWriter sw = new StringWriter();
    StringWriter ew = new StringWriter();
    PrintWriter o = live != null ? live : new PrintWriter(sw, true);
    List<String> all = new ArrayList<>();
    // Any coordinator will do: the CLI follows the leader by itself. Skip stopped ones.
    String target = cluster.coordinators().stream().filter(s -> s.coordinator().isPresent())
        .map(LocalCluster.CoordinatorSlot::address).findFirst().orElse(cluster.anyCoordinator());
    all.addAll(cluster.operatorFlags());
    all.addAll(List.of("--coordinator", target, "--timeout", "20s"));
    all.addAll(List.of(args));
    int code = ZddCli.execute(o, new PrintWriter(ew, true), all.toArray(String[]::new));
    if (live != null) {
      live.flush();
    }
    return new CliResult(code, sw.toString(), ew.toString());
  }

  private void say(String fmt, Object... args) {
    if (out != null) {
      out.printf(fmt + "%n", args);
      out.flush();
    }
  }

  private static void waitFor(String what, Duration max, BooleanSupplier ok) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("gave up waiting for " + what + " after " + max.toSeconds() + " s");
      }
      Thread.sleep(200);
    }
  }

  static PrintWriter nullWriter() {
    return new PrintWriter(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
  }
}
