package io.zdd.bench.fleet;

import io.zdd.agent.AgentConfig;
import io.zdd.agent.AgentMain;
import io.zdd.agent.haproxy.BaseConfig;
import io.zdd.agent.haproxy.HaproxyConfigRenderer;
import io.zdd.common.tls.ClusterCertificates;
import io.zdd.common.tls.SpiffeId;
import io.zdd.common.tls.TlsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/**
 * N real lb-agents in this JVM, each started as its main does ({@link AgentMain.Running}, flags
 * parsed by picocli), over mutual TLS with certificates of the bench's cluster CA, no ZooKeeper.
 * Agents 1..K supervise a real HAProxy each; the others attach ({@code --haproxy-mode attach}) to
 * a {@link RuntimeApiStandIn} (a stand-in for HAProxy's runtime API, not HAProxy), served by
 * {@link #STAND_IN_THREADS} {@link UnixSocketLoop}s taking the stand-ins in turn. Every agent's frontends
 * bind their own loopback address (127.1.x.y), so real HAProxies never share a port; the stand-ins'
 * agents still run the real {@code haproxy -c} on the files they write, which parses but does not bind.
 */
final class FleetAgents implements AutoCloseable {
  /** One started agent, as the coordinator side needs to reach it. */
  record Started(String id, int grpcPort, boolean realHaproxy, long haproxyMasterPid) {
    String line() {
      return String.format(Locale.ROOT, "%s %d %s %d", id, grpcPort, realHaproxy ? "real" : "stand-in", haproxyMasterPid);
    }

    static Started parse(String line) {
      String[] w = line.strip().split(" ");
      return new Started(w[0], Integer.parseInt(w[1]), w[2].equals("real"), Long.parseLong(w[3]));
    }
  }

  private final List<AgentMain.Running> agents = new ArrayList<>();
  private final List<Started> started = new ArrayList<>();
  /**
   * One per core of the VM: with one alone, 100 agents' polling on a loaded machine met the agents'
   * 2 s command timeouts (first sets refused with "did not answer 'reload' in time").
   */
  static final int STAND_IN_THREADS = 2;

  private final List<UnixSocketLoop> loops;

  private FleetAgents(List<UnixSocketLoop> loops) {
    this.loops = loops;
  }

  /**
   * Starts {@code count} agents in {@code dir}, the first {@code real} with their own HAProxy,
   * using the CA in {@code pki} (created by the caller).
   */
  static FleetAgents start(Path dir, Path pki, int count, int real, Path haproxyBin) throws Exception {
    List<UnixSocketLoop> loops = new ArrayList<>();
    for (int i = 0; i < STAND_IN_THREADS; i++) {
      loops.add(new UnixSocketLoop(UnixSocketLoop.THREAD_NAME));
    }
    FleetAgents fleet = new FleetAgents(loops);
    try {
      ClusterCertificates certs = ClusterCertificates.openOrCreate(pki, FleetBench.TRUST_DOMAIN, Duration.ofDays(1),
          Clock.systemUTC());
      for (int i = 1; i <= count; i++) {
        fleet.startOne(dir.resolve("a" + i), certs, i, i <= real, haproxyBin);
        if (i % 50 == 0) {
          System.err.printf(Locale.ROOT, "bench: %d/%d agents started%n", i, count);
        }
      }
      return fleet;
    } catch (Exception | Error e) {
      fleet.close();
      throw e;
    }
  }

  private void startOne(Path dir, ClusterCertificates certs, int i, boolean realHaproxy, Path haproxyBin)
      throws Exception {
    String id = agentId(i);
    Files.createDirectories(dir);
    List<String> args = new ArrayList<>(TlsOptions.flags(certs.issue(SpiffeId.Role.AGENT, id)));
    args.addAll(List.of(
        "--agent-id", id,
        "--grpc-listen", "127.0.0.1:0",
        "--metrics-listen", "127.0.0.1:0",
        "--data-dir", dir.resolve("data").toString(),
        "--haproxy-bin", haproxyBin.toString(),
        "--frontend-bind-address", bindAddress(i),
        "--frontend-port-range", "1024-65535",
        "--zk-connect", "",
        "--shutdown-grace", "1s"));
    if (realHaproxy) {
      args.addAll(List.of("--haproxy-mode", "supervise", "--haproxy-run-dir", dir.resolve("run").toString(),
          "--hard-stop-after", "10s"));
    } else {
      // The files an operator's HAProxy would have; the stand-in serves its sockets.
      BaseConfig base = BaseConfig.defaults(dir);
      Path baseCfg = dir.resolve("base.cfg");
      Path zddCfg = dir.resolve("zdd.cfg");
      Files.writeString(baseCfg, base.render());
      base.ensureServerStateFile();
      Files.writeString(zddCfg, HaproxyConfigRenderer.HEADER);
      Path master = dir.resolve("master.sock");
      new RuntimeApiStandIn(zddCfg).listen(loops.get(i % loops.size()), base.statsSocket(), master);
      args.addAll(List.of("--haproxy-mode", "attach", "--stats-socket", base.statsSocket().toString(),
          "--master-socket", master.toString(), "--haproxy-base-config", baseCfg.toString(),
          "--haproxy-zdd-config", zddCfg.toString(), "--server-state-file", base.serverStateFile().toString()));
    }
    AgentConfig config = new AgentConfig();
    new CommandLine(config).parseArgs(args.toArray(String[]::new));
    AgentMain.Running running = AgentMain.Running.start(config);
    agents.add(running);
    started.add(new Started(id, running.grpcPort(), realHaproxy, running.haproxyMasterPid().orElse(-1L)));
  }

  static String agentId(int i) {
    return "fleet-" + i;
  }

  /** A loopback address of agent {@code i}'s own (the whole of 127/8 is local on Linux). */
  static String bindAddress(int i) {
    return "127.1." + (i / 250) + "." + (i % 250 + 1);
  }

  List<Started> started() {
    return List.copyOf(started);
  }

  @Override
  public void close() {
    // Stopped side by side: each waits up to its shutdown grace, and a fleet of hundreds would
    // otherwise take minutes.
    agents.parallelStream().forEach(AgentMain.Running::close);
    agents.clear();
    loops.forEach(UnixSocketLoop::close);
  }
}
