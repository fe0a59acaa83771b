package io.zdd.bench;

import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.zdd.common.tls.ClusterCertificates;
import io.zdd.common.tls.GrpcSecurity;
import io.zdd.common.tls.SpiffeId;
import io.zdd.common.tls.TlsConfig;
import io.zdd.proto.v1.AdminState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.ConnectionSample;
import io.zdd.proto.v1.HealthCheck;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.Server;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What an idle lb-agent costs: one real agent in its own JVM (started by its main class, as in
 * production, so only the agent is measured), its supervised HAProxy with one group of three
 * local HTTP backends, and a WatchConnections stream held open the way the coordinator holds it
 * (credit 1, one more per sample). After a warm-up, the CPU time (utime + stime in
 * {@code /proc/<pid>/stat}) of the agent JVM and of the HAProxy master and workers over the
 * measured window gives % of one core; the thread counts come from {@code /proc/<pid>/status}.
 * Runs the agent once per mode: {@code old} (every reading at the stream's interval and a
 * {@code show proc} poll every 250 ms: {@code --idle-sample-interval 0 --reload-detection poll})
 * and {@code new} (the defaults).
 */
@Command(name = "idle-cost-bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = "CPU and threads of an idle lb-agent and its HAProxy, with a coordinator-like stream open.")
public final class IdleCostBench implements Callable<Integer> {
  @Option(names = "--measure", defaultValue = "60", description = "Measured seconds per mode. Default: ${DEFAULT-VALUE}.")
  int measureSeconds;

  @Option(names = "--warmup", defaultValue = "20",
      description = "Seconds after the apply before measuring (past the agent's 10 s hot window). Default: ${DEFAULT-VALUE}.")
  int warmupSeconds;

  @Option(names = "--modes", defaultValue = "old,new", split = ",",
      description = "Which agent settings to measure, in order: old, new. Default: ${DEFAULT-VALUE}.")
  List<String> modes;

  @Option(names = "--interval-ms", defaultValue = "250",
      description = "The stream's interval_ms (the coordinator's default --sample-interval). Default: ${DEFAULT-VALUE}.")
  int intervalMs;

  @Option(names = "--idle-sample-interval",
      description = "Passed to the agent in the new mode (default: the agent's own default).")
  String idleSampleInterval;

  @Option(names = "--haproxy-bin", defaultValue = "/usr/sbin/haproxy", description = "Default: ${DEFAULT-VALUE}.")
  Path haproxyBin;

  /** Per mode, the agent threads that used CPU while measured. */
  private final List<String> threadRows = new ArrayList<>();

  public static void main(String[] args) {
    System.exit(new CommandLine(new IdleCostBench()).execute(args));
  }

  private List<String> modeFlags(String mode) {
    return switch (mode) {
      case "old" -> List.of("--idle-sample-interval", "0", "--reload-detection", "poll");
      case "new" -> idleSampleInterval == null ? List.of() : List.of("--idle-sample-interval", idleSampleInterval);
      default -> throw new CommandLine.ParameterException(new CommandLine(new IdleCostBench()),
          "--modes: old or new, got " + mode);
    };
  }

  @Override
  public Integer call() throws Exception {
    long hz = clockTicks();
    List<String> rows = new ArrayList<>();
    for (String mode : modes) {
      rows.add(measure(mode, hz));
    }
    System.out.printf(Locale.ROOT, "%nidle cost, %d s measured after %d s warm-up, stream interval %d ms%n",
        measureSeconds, warmupSeconds, intervalMs);
    System.out.println("| mode | agent JVM % core | HAProxy % core | total % core | agent threads | samples received |");
    System.out.println("|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
    System.out.println();
    threadRows.forEach(System.out::println);
    return 0;
  }

  private String measure(String mode, long hz) throws Exception {
    Path dir = Files.createTempDirectory("zdd-idle-bench-");
    ClusterCertificates certs = ClusterCertificates.openOrCreate(dir.resolve("pki"), "zdd", Duration.ofDays(1),
        Clock.systemUTC());
    TlsConfig agentTls = certs.issue(SpiffeId.Role.AGENT, "idle");
    int grpcPort = freePort();
    int metricsPort = freePort();
    int frontend = freePort();
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), "io.zdd.agent.AgentMain",
        "--tls-ca", agentTls.ca().toString(), "--tls-cert", agentTls.certificate().toString(),
        "--tls-key", agentTls.key().toString(), "--agent-id", "idle",
        "--grpc-listen", "127.0.0.1:" + grpcPort, "--metrics-listen", "127.0.0.1:" + metricsPort,
        "--data-dir", dir.resolve("data").toString(), "--haproxy-mode", "supervise",
        "--haproxy-bin", haproxyBin.toString(), "--haproxy-run-dir", dir.resolve("run").toString(),
        "--frontend-bind-address", "127.0.0.1", "--frontend-port-range", "1024-65535", "--shutdown-grace", "2s"));
    cmd.addAll(modeFlags(mode));
    Process agent = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("agent.log").toFile()).start();
    try (LocalBackends apps = new LocalBackends();
        GrpcSecurity client = GrpcSecurity.open(Optional.of(certs.issue(SpiffeId.Role.COORDINATOR, "bench")),
            "bench client")) {
      awaitHealthy(metricsPort, agent, dir);
      ManagedChannel channel = client.channel("127.0.0.1", grpcPort, SpiffeId.Role.AGENT).build();
      try {
        BackendSet.Builder set = BackendSet.newBuilder().setGroup("web").setVersion(1).setFrontendPort(frontend)
            .setHealthCheck(HealthCheck.newBuilder().setHttpPath("/"));
        for (int i = 1; i <= 3; i++) {
          set.addServers(Server.newBuilder().setName("s" + i).setAddress("127.0.0.1").setPort(apps.start("s" + i))
              .setWeight(100).setAdminState(AdminState.READY));
        }
        LbAgentGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .applyBackends(ApplyBackendsRequest.newBuilder().setEpoch(1).setBackendSet(set).build());
        AtomicLong samples = new AtomicLong();
        ClientCallStreamObserver<WatchConnectionsRequest> stream = watch(channel, samples);
        Thread.sleep(warmupSeconds * 1000L);

        long agentPid = agent.pid();
        Set<Long> haproxy = haproxyPids(agentPid);
        Map<String, Long> threadsBefore = threadTicks(agentPid);
        long agentBefore = cpuTicks(agentPid);
        long haproxyBefore = haproxy.stream().mapToLong(IdleCostBench::cpuTicks).sum();
        long samplesBefore = samples.get();
        long start = System.nanoTime();
        Thread.sleep(measureSeconds * 1000L);
        double seconds = (System.nanoTime() - start) / 1e9;
        long agentTicks = cpuTicks(agentPid) - agentBefore;
        long haproxyTicks = haproxy.stream().mapToLong(IdleCostBench::cpuTicks).sum() - haproxyBefore;
        Set<Long> haproxyAfter = haproxyPids(agentPid);
        int threads = threads(agentPid);
        threadRows.add(mode + ": agent CPU by thread (ms): " + busiest(threadsBefore, threadTicks(agentPid), hz));
        stream.cancel("bench done", null);

        double agentPct = 100.0 * agentTicks / hz / seconds;
        double haproxyPct = 100.0 * haproxyTicks / hz / seconds;
        if (!haproxyAfter.equals(haproxy)) {
          System.err.println("bench: HAProxy processes changed while measuring: " + haproxy + " -> " + haproxyAfter);
        }
        return String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %d | %d |", mode, agentPct, haproxyPct,
            agentPct + haproxyPct, threads, samples.get() - samplesBefore);
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      agent.destroy(); // SIGTERM: the agent stops its HAProxy on the way out
      if (!agent.waitFor(20, TimeUnit.SECONDS)) {
        agent.destroyForcibly();
      }
      deleteTree(dir);
    }
  }

  /** A watch as the coordinator opens one: credit 1, one more after each sample. */
  private ClientCallStreamObserver<WatchConnectionsRequest> watch(ManagedChannel channel, AtomicLong samples) {
    ClientCallStreamObserver<WatchConnectionsRequest>[] call = new ClientCallStreamObserver[1];
    LbAgentGrpc.newStub(channel).watchConnections(new ClientResponseObserver<WatchConnectionsRequest,
        ConnectionSample>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WatchConnectionsRequest> requests) {
        call[0] = requests;
      }

      @Override
      public void onNext(ConnectionSample value) {
        samples.incrementAndGet();
        call[0].onNext(WatchConnectionsRequest.newBuilder().setCredit(1).build());
      }

      @Override
      public void onError(Throwable t) {
        System.err.println("bench: stream ended: " + t);
      }

      @Override
      public void onCompleted() {}
    });
    call[0].onNext(WatchConnectionsRequest.newBuilder().setIntervalMs(intervalMs).setCredit(1).build());
    return call[0];
  }

  private static void awaitHealthy(int metricsPort, Process agent, Path dir) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!agent.isAlive()) {
        throw new IllegalStateException("agent exited: " + Files.readString(dir.resolve("agent.log")));
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort
            + "/healthz")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("agent not healthy within 60 s: " + Files.readString(dir.resolve("agent.log")));
  }

  /** The agent's HAProxy: its children named haproxy (the master) and theirs (the workers). */
  private static Set<Long> haproxyPids(long agentPid) {
    Set<Long> out = new TreeSet<>();
    for (long child : children(agentPid)) {
      if (comm(child).equals("haproxy")) {
        out.add(child);
        out.addAll(children(child));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("no HAProxy under the agent " + agentPid);
    }
    return out;
  }

  private static Set<Long> children(long pid) {
    Set<Long> out = new TreeSet<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : tasks) {
        for (String c : Files.readString(t.resolve("children"), StandardCharsets.US_ASCII).trim().split("\\s+")) {
          if (!c.isEmpty()) {
            out.add(Long.parseLong(c));
          }
        }
      }
    } catch (IOException e) {
      // gone
    }
    return out;
  }

  private static String comm(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "comm"), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return "";
    }
  }

  /** utime + stime of a process (all its threads), in clock ticks; 0 when it is gone. */
  private static long cpuTicks(long pid) {
    return cpuTicks(Path.of("/proc", Long.toString(pid)));
  }

  /** utime + stime from {@code <dir>/stat} (a process's or one thread's), in clock ticks; 0 when gone. */
  private static long cpuTicks(Path dir) {
    try {
      String stat = Files.readString(dir.resolve("stat"), StandardCharsets.US_ASCII);
      // Fields after the command name (which may hold spaces) start after the last ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException e) {
      return 0;
    }
  }

  /** utime + stime per thread, by thread name with its digits dropped (pool threads add up). */
  private static Map<String, Long> threadTicks(long pid) {
    Map<String, Long> out = new TreeMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : tasks) {
        String name = Files.readString(t.resolve("comm"), StandardCharsets.US_ASCII).trim().replaceAll("[0-9]+", "#");
        out.merge(name + " [" + t.getFileName() + "]", cpuTicks(t), Long::sum);
      }
    } catch (IOException e) {
      // a thread ended while listed: the next reading sees the rest
    }
    return out;
  }

  private static String busiest(Map<String, Long> before, Map<String, Long> after, long hz) {
    Map<String, Long> byName = new TreeMap<>();
    after.forEach((k, v) -> byName.merge(k.substring(0, k.lastIndexOf(" [")), v - before.getOrDefault(k, 0L),
        Long::sum));
    return byName.entrySet().stream().filter(e -> e.getValue() > 0)
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .map(e -> e.getKey() + " " + e.getValue() * 1000 / hz).collect(Collectors.joining(", "));
  }

  private static int threads(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
      if (line.startsWith("Threads:")) {
        return Integer.parseInt(line.substring("Threads:".length()).trim());
      }
    }
    return -1;
  }

  private static long clockTicks() throws Exception {
    Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    p.waitFor(5, TimeUnit.SECONDS);
    return out.matches("\\d+") ? Long.parseLong(out) : 100;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      paths.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    }
  }
}
