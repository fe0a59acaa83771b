package io.zdd.bench;

import io.grpc.StatusRuntimeException;
import io.zdd.proto.v1.AgentState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.ApplyBackendsResponse;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.ObservedServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * ApplyBackends latency, measured side by side in one run over real gRPC on 127.0.0.1 against two
 * real lb-agents in this JVM, each with its own supervised HAProxy: weight-only changes on the
 * default agent (answered from the runtime API, zdd.cfg written in the background), the same on
 * an agent with {@code --config-sync always} (zdd.cfg written and checked with {@code haproxy -c}
 * first), and changes that need an HAProxy reload. Latency is the client-side round trip of the
 * blocking call, System.nanoTime before and after. Then, unless turned off, the big-backend
 * scenario ({@link BigBackendScenario}) on both agents.
 */
@Command(name = "apply-latency-bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Measures ApplyBackends round-trip latency for weight-only changes (fast path and "
        + "--config-sync always) vs changes that need a reload, interleaved in one run, optionally under background "
        + "HTTP load; then big backends (--servers, --groups). Run as root.")
public final class ApplyLatencyBench implements Callable<Integer> {
  private static final long CALL_DEADLINE_SECONDS = 30;

  @Option(names = "--iterations", defaultValue = "200",
      description = "Measured calls per kind (each kind gets this many). Default: ${DEFAULT-VALUE}.")
  int iterations;

  @Option(names = "--warmup", defaultValue = "20",
      description = "Unmeasured calls per kind before measuring (JIT, connection, first reloads). "
          + "Default: ${DEFAULT-VALUE}.")
  int warmup;

  @Option(names = "--out", description = "Also write the Markdown result to this file.")
  Path out;

  @Option(names = "--backends", defaultValue = "3", description = "Local HTTP backends in the group. "
      + "Default: ${DEFAULT-VALUE}.")
  int backends;

  @Option(names = "--load-rps", defaultValue = "200",
      description = "Background HTTP requests per second through the frontend during the run, one connection "
          + "each; 0 for none. Default: ${DEFAULT-VALUE}.")
  int loadRps;

  @Option(names = "--config-check-reference", defaultValue = "true", negatable = true,
      description = "Also time a bare 'haproxy -c' of the agent's files once per pair (interleaved), the floor "
          + "under every apply that rewrites the config. Default: ${DEFAULT-VALUE}.")
  boolean configCheckReference;

  @Option(names = "--haproxy-bin", defaultValue = "/usr/sbin/haproxy", description = "Default: ${DEFAULT-VALUE}.")
  Path haproxyBin;

  @Option(names = "--servers", defaultValue = "1000",
      description = "Big-backend scenario, after the latency rounds: a group grown from 3 to this many servers and "
          + "re-weighted whole, on each agent; 0 skips it. Default: ${DEFAULT-VALUE}.")
  int servers;

  @Option(names = "--groups", defaultValue = "200",
      description = "Then each agent is filled up to this many groups (each new group reloads; not timed) and one "
          + "small group among them is re-weighted; 0 skips it. Default: ${DEFAULT-VALUE}.")
  int groups;

  @Option(names = "--back-to-back", defaultValue = "1000",
      description = "After the interleaved rounds (and their background load), this many weight-only calls in a row "
          + "on the fast-path agent alone, after as many unmeasured ones: the fast path with no reload or "
          + "'haproxy -c' of the other kinds around it; 0 skips it. Default: ${DEFAULT-VALUE}.")
  int backToBack;

  @Option(names = "--big-repeats", defaultValue = "10",
      description = "Re-weights timed per big-backend measurement. Default: ${DEFAULT-VALUE}.")
  int bigRepeats;

  public static void main(String[] args) {
    // The agent logs every apply at INFO; quiet by default so the table stays readable.
    if (System.getProperty("zdd.log.level") == null) {
      System.setProperty("zdd.log.level", "WARN");
    }
    System.exit(new CommandLine(new ApplyLatencyBench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (iterations < 1 || warmup < 0 || backends < 1 || loadRps < 0 || servers < 0 || groups < 0 || bigRepeats < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--iterations, --backends and --big-repeats must be at least 1, --warmup, --load-rps, --servers and "
              + "--groups at least 0");
    }
    String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String loadAvgStart = LoadAverageSampler.line();
    try (LocalBackends apps = new LocalBackends();
        BenchAgent agent = BenchAgent.start(haproxyBin, "structure");
        BenchAgent always = BenchAgent.start(haproxyBin, "always");
        LoadAverageSampler loadAvg = new LoadAverageSampler()) {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < backends; i++) {
        ports.add(apps.start("app" + (i + 1)));
      }
      int frontendPort = freePort();
      int alwaysPort = freePort();
      // One plan per agent: each agent's group has its own frontend, versions and weights.
      ChangePlan plan = new ChangePlan(frontendPort, ports);
      ChangePlan alwaysPlan = new ChangePlan(alwaysPort, ports);
      LbAgentGrpc.LbAgentBlockingStub stub = agent.stub();
      LbAgentGrpc.LbAgentBlockingStub alwaysStub = always.stub();
      call(stub, plan.initial());
      call(alwaysStub, alwaysPlan.initial());
      awaitServing(stub, frontendPort);
      awaitServing(alwaysStub, alwaysPort);
      System.err.printf(Locale.ROOT, "bench: agents up (HAProxy masters %d structure, %d always), frontends "
          + "127.0.0.1:%d and :%d, %d backends%n", agent.haproxyMasterPid(), always.haproxyMasterPid(), frontendPort,
          alwaysPort, backends);

      List<BackgroundLoad> loads = new ArrayList<>();
      if (loadRps > 0) {
        loads.add(new BackgroundLoad(frontendPort, loadRps));
        loads.add(new BackgroundLoad(alwaysPort, loadRps));
      }
      Map<ChangePlan.Kind, Samples> samples = new EnumMap<>(ChangePlan.Kind.class);
      for (ChangePlan.Kind k : ChangePlan.Kind.values()) {
        samples.put(k, new Samples());
      }
      List<Long> checkNanos = new ArrayList<>();
      ConfigCheck check = new ConfigCheck(haproxyBin, agent.baseConfig(), agent.zddConfig());
      long t0;
      long elapsed;
      try {
        loads.forEach(BackgroundLoad::start);
        loadAvg.start();
        for (int i = 0; i < warmup; i++) {
          for (ChangePlan.Kind k : roundOrder(i)) {
            boolean a = k == ChangePlan.Kind.WEIGHT_ONLY_ALWAYS;
            call(a ? alwaysStub : stub, (a ? alwaysPlan : plan).next(k));
          }
        }
        System.err.printf(Locale.ROOT, "bench: %d warm-up rounds done, measuring %d rounds%n", warmup, iterations);
        t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
          for (ChangePlan.Kind k : roundOrder(i)) {
            boolean a = k == ChangePlan.Kind.WEIGHT_ONLY_ALWAYS;
            ApplyBackendsRequest req = (a ? alwaysPlan : plan).next(k);
            long start = System.nanoTime();
            ApplyBackendsResponse resp = call(a ? alwaysStub : stub, req);
            samples.get(k).add(System.nanoTime() - start, resp);
          }
          if (configCheckReference) {
            checkNanos.add(check.timeOnceNanos());
          }
          if ((i + 1) % 50 == 0) {
            System.err.printf(Locale.ROOT, "bench: %d/%d rounds%n", i + 1, iterations);
          }
        }
        elapsed = System.nanoTime() - t0;
      } finally {
        loads.forEach(BackgroundLoad::close);
      }
      AgentState state = stub.withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
          .getState(GetStateRequest.getDefaultInstance());
      String big = backToBack(stub, plan);
      if (servers > 0 || groups > 0) {
        BigBackendScenario scenario = new BigBackendScenario(ports, servers, groups, bigRepeats);
        System.err.printf(Locale.ROOT, "bench: big backends (%d servers, %d groups) on each agent%n", servers, groups);
        List<BigBackendScenario.Result> results = List.of(
            scenario.run("`--config-sync structure` (fast path)", stub),
            scenario.run("`--config-sync always`", alwaysStub));
        big += scenario.markdown(results);
      }
      Samples w = samples.get(ChangePlan.Kind.WEIGHT_ONLY);
      Samples wa = samples.get(ChangePlan.Kind.WEIGHT_ONLY_ALWAYS);
      Samples r = samples.get(ChangePlan.Kind.RELOAD);
      BenchReport report = new BenchReport(
          LatencySummary.ofNanos(w.nanos), w.reloaded, w.commandsMean(),
          LatencySummary.ofNanos(r.nanos), r.reloaded, r.commandsMean(),
          LatencySummary.ofNanos(wa.nanos), wa.reloaded, wa.commandsMean(),
          configCheckReference ? Optional.of(LatencySummary.ofNanos(checkNanos)) : Optional.empty(),
          warmup, backends, loadAvg.summary(), loadAvgStart, LoadAverageSampler.line(),
          Runtime.getRuntime().availableProcessors(), describe(loads, state), loads.stream()
              .flatMap(l -> l.firstFailures().stream()).toList(), state.getHaproxyVersion(), startedAt, elapsed / 1e9,
          big);
      String md = report.markdown();
      System.out.println(md);
      if (out != null) {
        if (out.toAbsolutePath().getParent() != null) {
          Files.createDirectories(out.toAbsolutePath().getParent());
        }
        Files.writeString(out, md + "\n");
        System.err.println("bench: written to " + out);
      }
      return 0;
    }
  }

  /** The back-to-back row: weight-only calls on the fast-path agent with nothing else running. */
  private String backToBack(LbAgentGrpc.LbAgentBlockingStub stub, ChangePlan plan) {
    if (backToBack == 0) {
      return "";
    }
    System.err.printf(Locale.ROOT, "bench: %d weight-only calls back to back (after %d unmeasured)%n", backToBack,
        backToBack);
    List<Long> nanos = new ArrayList<>();
    int reloaded = 0;
    for (int i = 0; i < 2 * backToBack; i++) {
      ApplyBackendsRequest req = plan.next(ChangePlan.Kind.WEIGHT_ONLY);
      long start = System.nanoTime();
      ApplyBackendsResponse resp = call(stub, req);
      if (i >= backToBack) {
        nanos.add(System.nanoTime() - start);
        reloaded += resp.getReloaded() ? 1 : 0;
      }
    }
    LatencySummary s = LatencySummary.ofNanos(nanos);
    return String.format(Locale.ROOT, "### Weight-only changes back to back on the fast-path agent "
            + "(no background load, no other kind in between)%n%n"
            + "| n | reloaded=true | p50 ms | p90 ms | p99 ms | max ms | mean ms |%n|---:|---:|---:|---:|---:|---:|---:|%n"
            + "| %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f |%n%n",
        s.count(), reloaded, s.p50Ms(), s.p90Ms(), s.p99Ms(), s.maxMs(), s.meanMs());
  }

  private static final List<List<ChangePlan.Kind>> ORDERS = List.of(
      List.of(ChangePlan.Kind.WEIGHT_ONLY, ChangePlan.Kind.WEIGHT_ONLY_ALWAYS, ChangePlan.Kind.RELOAD),
      List.of(ChangePlan.Kind.WEIGHT_ONLY_ALWAYS, ChangePlan.Kind.RELOAD, ChangePlan.Kind.WEIGHT_ONLY),
      List.of(ChangePlan.Kind.RELOAD, ChangePlan.Kind.WEIGHT_ONLY, ChangePlan.Kind.WEIGHT_ONLY_ALWAYS),
      List.of(ChangePlan.Kind.WEIGHT_ONLY, ChangePlan.Kind.RELOAD, ChangePlan.Kind.WEIGHT_ONLY_ALWAYS),
      List.of(ChangePlan.Kind.RELOAD, ChangePlan.Kind.WEIGHT_ONLY_ALWAYS, ChangePlan.Kind.WEIGHT_ONLY),
      List.of(ChangePlan.Kind.WEIGHT_ONLY_ALWAYS, ChangePlan.Kind.WEIGHT_ONLY, ChangePlan.Kind.RELOAD));

  /** Round i's order: the six orders of the three kinds in turn. */
  static List<ChangePlan.Kind> roundOrder(int i) {
    return ORDERS.get(i % ORDERS.size());
  }

  private static ApplyBackendsResponse call(LbAgentGrpc.LbAgentBlockingStub stub, ApplyBackendsRequest req) {
    try {
      return stub.withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS).applyBackends(req);
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException("ApplyBackends version " + req.getBackendSet().getVersion() + " failed: "
          + e.getStatus(), e);
    }
  }

  /** Waits (at most 20 s) until every server is UP and a request through the frontend gets a 200. */
  private static void awaitServing(LbAgentGrpc.LbAgentBlockingStub stub, int frontendPort) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String last = "";
    while (System.nanoTime() < deadline) {
      AgentState s = stub.withDeadlineAfter(5, TimeUnit.SECONDS).getState(GetStateRequest.getDefaultInstance());
      List<String> statuses = s.getBackendsList().stream()
          .flatMap(b -> b.getServersList().stream()).map(ObservedServer::getStatus).toList();
      last = statuses.toString();
      if (!statuses.isEmpty() && statuses.stream().allMatch("UP"::equals)) {
        try {
          if (BackgroundLoad.get(frontendPort)) {
            return;
          }
        } catch (IOException e) {
          last += ", frontend: " + e;
        }
      }
      Thread.sleep(100); // polling HAProxy's view; nothing to wait on but time
    }
    throw new IllegalStateException("the group did not come up within 20 s; server statuses " + last);
  }

  private static String describe(List<BackgroundLoad> loads, AgentState state) {
    long old = state.getWorkersList().stream().filter(wk -> !wk.getCurrent()).count();
    String workers = "; fast-path agent's HAProxy workers at the end: 1 current, " + old + " old still draining";
    if (loads.isEmpty()) {
      return "none" + workers;
    }
    List<String> each = new ArrayList<>();
    for (BackgroundLoad load : loads) {
      LatencySummary l = load.latency();
      each.add(String.format(Locale.ROOT, "%d req/s, new connection each: %d OK, **%d failed**; "
          + "request latency p50 %.2f ms, p99 %.2f ms, max %.2f ms",
          load.requestsPerSecond(), load.ok(), load.failed(), l.p50Ms(), l.p99Ms(), l.maxMs()));
    }
    return "fast-path agent: " + each.get(0) + "; `always` agent: " + each.get(1) + workers;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Latencies and answers of one kind of change. */
  private static final class Samples {
    final List<Long> nanos = new ArrayList<>();
    long reloaded;
    long commands;

    void add(long n, ApplyBackendsResponse r) {
      nanos.add(n);
      reloaded += r.getReloaded() ? 1 : 0;
      commands += r.getRuntimeCommands();
    }

    double commandsMean() {
      return nanos.isEmpty() ? 0 : (double) commands / nanos.size();
    }
  }
}
