package io.zdd.bench.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code bin/zdd bench fleet}: one coordinator's fleet layer driving N lb-agents, for each N asked.
 * See {@link FleetRun} for one size and {@link FleetReport} for what is reported.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "One coordinator's fleet layer (AgentFleet + FleetPortAdapter over mutual TLS, static agent list, no "
            + "ZooKeeper) driving N real lb-agents with weight-only traffic steps: per step the time until every "
            + "agent's ApplyBackends read-back confirms the new weights (p50/p90/p99/max), and CPU and memory of the "
            + "coordinator side, of the agents (one child JVM; per agent = that JVM / N) and of the real HAProxies, "
            + "idle and during the steps. Run as root.",
        "The first K agents (--real-haproxy) each supervise a real HAProxy. The others attach to RuntimeApiStandIn, "
            + "a STAND-IN for HAProxy's runtime API (not HAProxy: it answers the agent's stats-socket and master-CLI "
            + "commands with HAProxy 2.6.12's formats and keeps servers and weights, but forwards no traffic and runs "
            + "no health checks); those agents still run the real 'haproxy -c'. Every output says so."})
public final class FleetBench implements Callable<Integer> {
  static final String TRUST_DOMAIN = "zdd";

  @Option(names = "--agents", split = ",", defaultValue = "1,10,100,500",
      description = "Fleet sizes to run, one after the other. Default: ${DEFAULT-VALUE}.")
  List<Integer> agents;

  @Option(names = "--steps", defaultValue = "50", description = "Measured traffic steps per fleet size. "
      + "Default: ${DEFAULT-VALUE}.")
  int steps;

  @Option(names = "--warmup", defaultValue = "5", description = "Unmeasured steps after the group is created. "
      + "Default: ${DEFAULT-VALUE}.")
  int warmup;

  @Option(names = "--real-haproxy", defaultValue = "20",
      description = "Agents with a real HAProxy each (the rest use the runtime-API stand-in). Default: "
          + "${DEFAULT-VALUE}; see docs/benchmarks.md for what this machine holds.")
  int realHaproxy;

  @Option(names = "--idle", defaultValue = "20", description = "Seconds of the idle window per fleet size. "
      + "Default: ${DEFAULT-VALUE}.")
  int idleSeconds;

  @Option(names = "--agent-deadline", defaultValue = "5000",
      description = "Deadline of each call to an agent, ms (the coordinator's --agent-deadline). Default: ${DEFAULT-VALUE}.")
  long callDeadlineMs;

  @Option(names = "--setup-deadline", defaultValue = "120000",
      description = "Deadline of each agent's call for the first set, ms: it creates the group, so every agent runs "
          + "'haproxy -c' and reloads at once (not a measured step). Default: ${DEFAULT-VALUE}.")
  long setupDeadlineMs;

  @Option(names = "--sample-interval", defaultValue = "250",
      description = "WatchConnections interval asked of the agents, ms (the coordinator's --sample-interval). "
          + "Default: ${DEFAULT-VALUE}.")
  long sampleIntervalMs;

  @Option(names = "--agents-jvm-option", description = "A JVM option for the agents' JVM (repeatable), e.g. -Xss512k.")
  List<String> agentsJvmOptions = new ArrayList<>();

  @Option(names = "--out", description = "Also write the Markdown result to this file.")
  Path out;

  @Option(names = "--work-dir", description = "Where agents keep their files (a new temporary directory by default; "
      + "deleted at the end unless given).")
  Path workDir;

  @Option(names = "--haproxy-bin", defaultValue = "/usr/sbin/haproxy", description = "Default: ${DEFAULT-VALUE}.")
  Path haproxyBin;

  /** The rendered Markdown of the last run (for tests). */
  String lastReport = "";

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs with {@code args}; the exit code. */
  public static int run(String... args) {
    // The agents log every apply at INFO; quiet by default so the table stays readable.
    if (System.getProperty("zdd.log.level") == null) {
      System.setProperty("zdd.log.level", "WARN");
    }
    return new CommandLine(new FleetBench()).execute(args);
  }

  @Override
  public Integer call() throws Exception {
    if (steps < 1 || warmup < 0 || realHaproxy < 0 || idleSeconds < 0 || agents.stream().anyMatch(n -> n < 1)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--agents and --steps must be at least 1, --warmup, --real-haproxy and --idle at least 0");
    }
    String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String loadStart = loadAvg();
    boolean ownDir = workDir == null;
    Path dir = ownDir ? Files.createTempDirectory("zdd-fleet-") : Files.createDirectories(workDir);
    List<FleetRun.Result> results = new ArrayList<>();
    List<String> notRun = new ArrayList<>();
    try {
      for (int n : agents) {
        if (!notRun.isEmpty()) {
          notRun.add(n + ": not attempted (a smaller size failed)");
          continue;
        }
        FleetRun.Settings s = new FleetRun.Settings(n, realHaproxy, steps, warmup, Duration.ofSeconds(idleSeconds),
            Duration.ofMillis(callDeadlineMs), Duration.ofMillis(setupDeadlineMs), Duration.ofMillis(sampleIntervalMs), haproxyBin,
            List.copyOf(agentsJvmOptions));
        try {
          results.add(FleetRun.run(s, dir));
        } catch (Exception | OutOfMemoryError e) {
          System.err.println("bench: N=" + n + " failed: " + e);
          notRun.add(n + ": failed: " + firstLine(e.getMessage() == null ? e.toString() : e.getMessage()));
        }
      }
    } finally {
      if (ownDir) {
        deleteTree(dir);
      }
    }
    FleetReport report = new FleetReport(results, notRun, startedAt, loadStart, loadAvg(),
        Runtime.getRuntime().availableProcessors(), haproxyVersion(), commandLine());
    lastReport = report.markdown();
    System.out.println(lastReport);
    if (out != null) {
      if (out.toAbsolutePath().getParent() != null) {
        Files.createDirectories(out.toAbsolutePath().getParent());
      }
      Files.writeString(out, lastReport + "\n", StandardCharsets.UTF_8);
      System.err.println("bench: written to " + out);
    }
    return notRun.isEmpty() ? 0 : 1;
  }

  private String commandLine() {
    StringBuilder b = new StringBuilder("bin/zdd bench fleet --agents ");
    b.append(String.join(",", agents.stream().map(String::valueOf).toList()))
        .append(" --steps ").append(steps).append(" --warmup ").append(warmup)
        .append(" --real-haproxy ").append(realHaproxy).append(" --idle ").append(idleSeconds)
        .append(" --agent-deadline ").append(callDeadlineMs);
    agentsJvmOptions.forEach(o -> b.append(" --agents-jvm-option=").append(o));
    return b.toString();
  }

  private String haproxyVersion() {
    try {
      Process p = new ProcessBuilder(haproxyBin.toString(), "-v").redirectErrorStream(true).start();
      String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
      p.waitFor();
      return first.replace("HAProxy version ", "").replaceAll(" \\d{4}/.*", "").strip();
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  private static String loadAvg() {
    try {
      return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String firstLine(String s) {
    String l = s.lines().findFirst().orElse("");
    return l.length() > 300 ? l.substring(0, 300) + "…" : l;
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.printf(Locale.ROOT, "bench: could not delete %s: %s%n", root, e);
    }
  }
}
