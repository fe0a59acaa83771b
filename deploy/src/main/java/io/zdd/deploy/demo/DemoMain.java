package io.zdd.deploy.demo;

import io.zdd.common.config.Durations;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.deploy.cluster.LocalCluster;
import io.zdd.coordinator.Coordinator;
import io.zdd.deploy.report.DemoTimeline;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code zdd demo}: the whole system on this machine, deploying under load, with a report. */
@Command(name = "zdd demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Starts a local cluster on loopback (embedded ZooKeeper, a Marathon-compatible scheduler running "
            + "real app processes, 3 LB hosts each with an lb-agent and its own HAProxy, 3 coordinators), sends "
            + "load through every LB, and deploys the demo app: v1, then v2 as blue/green, then v3 as a canary "
            + "--traffic 10,50,100. Prints a summary (failed requests must be 0) and writes an HTML report.",
        "Exit code 0 when every deployment succeeded with no failed request, 1 otherwise."})
public final class DemoMain implements Callable<Integer> {
  @Option(names = "--json", description = "Print only the summary, as one JSON object")
  boolean json;

  @Option(names = "--kill-leader", description = "Stop the leading coordinator in the middle of the blue/green deployment (failover)")
  boolean killLeader;

  @Option(names = "--keep-running", description = "Leave the cluster up afterwards and print how to use zdd against it (Ctrl-C stops it)")
  boolean keepRunning;

  @Option(names = "--prometheus",
      description = "Also run a real Prometheus (Debian package 'prometheus') scraping the coordinators and agents")
  boolean prometheus;

  @Option(names = "--rate", defaultValue = "1200", description = "Requests per second through all LBs together (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(names = "--instances", defaultValue = "3", description = "Instances of each version (default: ${DEFAULT-VALUE})")
  int instances;

  @Option(names = "--lbs", defaultValue = "3", description = "LB hosts (default: ${DEFAULT-VALUE})")
  int lbs;

  @Option(names = "--coordinators", defaultValue = "3", description = "Coordinators (default: ${DEFAULT-VALUE})")
  int coordinators;

  @Option(names = "--step-pause", defaultValue = "3s", converter = Durations.Converter.class,
      description = "Pause between the canary's traffic steps (default: ${DEFAULT-VALUE})")
  Duration stepPause;

  @Option(names = "--work-dir", description = "Where the cluster and the report go (default: run/demo-<time>)")
  Path workDir;

  PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);

  @Override
  public Integer call() throws Exception {
    if (workDir == null) {
      workDir = Path.of("run", "demo-" + LocalDateTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }
    workDir = workDir.toAbsolutePath();
    Files.createDirectories(workDir);
    DemoRun run = new DemoRun(new DemoRun.Settings(workDir, lbs, coordinators, instances, rate, killLeader, !json, stepPause),
        json ? DemoRun.nullWriter() : out);
    DemoRun.Result result = null;
    Process prom = null;
    try {
      result = run.run();
      if (prometheus) {
        prom = PrometheusRunner.start(workDir, result.cluster(), out);
      }
      DemoTimeline t = result.timeline();
      // The dashboard lives as long as the cluster: linked only when the cluster stays up.
      Optional<String> dashboard = keepRunning ? dashboardUrl(result.cluster()) : Optional.empty();
      if (json) {
        out.println(summaryJson(t, result.report(), dashboard));
      } else {
        printSummary(t, result.report(), dashboard);
      }
      if (keepRunning) {
        keepRunning(result.cluster());
      }
      return result.zeroFailures() ? 0 : 1;
    } finally {
      try {
        if (prom != null) {
          prom.destroy();
        }
        if (result != null) {
          result.cluster().close();
        }
      } finally {
        stopped.countDown();
      }
    }
  }

  /** The leader's dashboard (its controls work there; any coordinator's shows the same). */
  static Optional<String> dashboardUrl(LocalCluster cluster) {
    return cluster.leader().flatMap(LocalCluster.CoordinatorSlot::coordinator).flatMap(Coordinator::dashboardUrl);
  }

  private void printSummary(DemoTimeline t, Path report, Optional<String> dashboard) {
    out.println();
    out.println("== summary");
    out.printf("requests sent:      %d (%.0f/s through %d LBs)%n", t.totals().requests(), t.totals().requestsPerS(), lbs);
    out.printf("failed requests:    %d%s%n", t.totals().otherFailures(), t.totals().otherFailures() == 0 ? "" : "   <-- NOT zero");
    if (t.totals().canaryFailures() > 0) {
      out.printf("                    (not counting %d errors the bad canary %s answered itself before zdd rolled it back)%n",
          t.totals().canaryFailures(), DemoRun.BAD_VERSION);
    }
    for (DemoTimeline.DeploymentSummary d : t.deployments()) {
      List<String> drains = new ArrayList<>();
      d.drainS().forEach((lb, s) -> drains.add(String.format(Locale.ROOT, "%s %.1f s", lb, s)));
      out.printf("%-40s %-26s %6.1f s   drain: %s%n", d.name(),
          d.outcome() + (d.asExpected() ? d.succeeded() ? "" : " (as expected)" : "   <-- expected " + d.expected()), d.durationS(),
          drains.isEmpty() ? "-" : String.join(", ", drains));
    }
    out.printf("report:             %s%n", report);
    dashboard.ifPresent(d -> out.printf("dashboard:          %s%n", d));
  }

  static String summaryJson(DemoTimeline t, Path report, Optional<String> dashboard) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode n = m.createObjectNode();
    n.put("requests", t.totals().requests());
    n.put("failed_requests", t.totals().otherFailures());
    n.put("bad_canary_errors", t.totals().canaryFailures());
    n.put("requests_per_s", Math.round(t.totals().requestsPerS() * 10) / 10.0);
    ArrayNode ds = n.putArray("deployments");
    for (DemoTimeline.DeploymentSummary d : t.deployments()) {
      ObjectNode o = ds.addObject();
      o.put("name", d.name());
      o.put("outcome", d.outcome());
      o.put("expected", d.expected());
      o.put("duration_s", Math.round(d.durationS() * 10) / 10.0);
      ObjectNode drain = o.putObject("drain_s");
      d.drainS().forEach((lb, s) -> drain.put(lb, Math.round(s * 10) / 10.0));
    }
    n.put("report", report.toString());
    dashboard.ifPresent(d -> n.put("dashboard", d));
    return n.toString();
  }

  /** How long an interrupted demo may take to stop its cluster before the JVM exits anyway. */
  private static final Duration STOP_BUDGET = Duration.ofSeconds(25);
  /** Counted down once call() has stopped everything it started. */
  private final CountDownLatch stopped = new CountDownLatch(1);

  private void keepRunning(LocalCluster cluster) throws InterruptedException {
    String coordinator = cluster.coordinators().stream().filter(s -> s.coordinator().isPresent())
        .map(LocalCluster.CoordinatorSlot::address).findFirst().orElse("?");
    out.println();
    out.println("The cluster keeps running (Ctrl-C stops it). Try:");
    out.printf("  export ZDD_COORDINATOR=%s%n", coordinator);
    // The cluster runs mutual TLS: the CLI uses the demo's operator certificate.
    var tls = cluster.operatorTls();
    out.printf("  export ZDD_TLS_CA=%s ZDD_TLS_CERT=%s ZDD_TLS_KEY=%s%n", tls.ca(), tls.certificate(), tls.key());
    out.println("  bin/zdd agents");
    out.println("  bin/zdd list --all");
    out.printf("  bin/zdd deploy %s --traffic 25,100 --step-pause 5%n", workDir.resolve("app-v2.json"));
    out.printf("  curl http://%s:%d/     # through LB 1%n", cluster.lbAddresses().get(0), DemoRun.SERVICE_PORT);
    out.printf("Marathon API: %s%n", cluster.marathonUrl());
    for (LocalCluster.CoordinatorSlot s : cluster.coordinators()) {
      out.printf("coordinator %s metrics: http://127.0.0.1:%d/metrics%n", s.address(), s.metricsPort());
    }
    dashboardUrl(cluster).ifPresent(d -> {
      out.printf("Dashboard (read-only until you sign in): %s%n", d);
      out.println("  bin/zdd dashboard     # prints a one-time sign-in link (controls as the demo's operator)");
    });
    CountDownLatch forever = new CountDownLatch(1);
    // The JVM halts as soon as its shutdown hooks return: this one lets call() go on and then
    // waits (bounded) until call() has closed the cluster, or HAProxy and the apps would outlive us.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      forever.countDown();
      try {
        if (!stopped.await(STOP_BUDGET.toSeconds(), TimeUnit.SECONDS)) {
          System.err.println("demo: the cluster did not stop within " + STOP_BUDGET.toSeconds() + " s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "demo-stop"));
    forever.await();
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new DemoMain()).execute(args));
  }
}
