package io.zdd.bench.chaos;

import io.zdd.common.tls.SpiffeId;
import io.zdd.common.tls.TlsOptions;
import io.zdd.coordinator.cli.ZddCli;
import io.zdd.deploy.cluster.FreePorts;
import io.zdd.deploy.cluster.LocalCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

/**
 * The soak's cluster: a 3-server ZooKeeper ensemble (Curator's {@link TestingCluster}, fixed ports
 * so a stopped server comes back as itself), the {@link LocalCluster}'s Marathon and lb-agents
 * with their real HAProxies, and coordinators each in its own JVM ({@link CoordinatorProcess}).
 */
final class SoakCluster implements AutoCloseable {
  /** Result of one CLI run. */
  record CliRun(int exit, String out, String err) {}

  final TestingCluster zk;
  final LocalCluster cluster;
  final List<CoordinatorProcess> coordinators = new ArrayList<>();
  final Path work;

  private SoakCluster(TestingCluster zk, LocalCluster cluster, Path work) {
    this.zk = zk;
    this.cluster = cluster;
    this.work = work;
  }

  /**
   * @param lbGroups the Marathon-LB groups of agent {@code i} (1-based)
   * @param namespaces the network namespace of agent {@code i}'s LB host, if it has its own
   * @param beforeAgents runs after the coordinators lead and before any agent starts (to prepare
   *     the agents' directories)
   */
  static SoakCluster start(Path work, int agents, int coordinators, Duration session, IntFunction<List<String>> lbGroups,
      IntFunction<Optional<LocalCluster.LbNamespace>> namespaces, AgentDirs beforeAgents) throws Exception {
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      specs.add(new InstanceSpec(Files.createDirectories(work.resolve("zk-" + i)).toFile(), -1, -1, -1, false, i + 1,
          2000, 200, null, "127.0.0.1"));
    }
    TestingCluster zk = new TestingCluster(specs);
    zk.start();
    LocalCluster cluster = new LocalCluster(new LocalCluster.Options(agents, 0, work.resolve("cluster"), session, false,
        lbGroups), Optional.of(zk.getConnectString())).withLbNamespaces(namespaces);
    SoakCluster soak = new SoakCluster(zk, cluster, work);
    try {
      cluster.startCore();
      for (int j = 1; j <= coordinators; j++) {
        String name = "coordinator-" + j;
        List<String> flags = new ArrayList<>(List.of("--zk", zk.getConnectString(),
            "--zk-session-timeout", session.toMillis() + "ms", "--marathon", cluster.marathonUrl(), "--insecure-marathon",
            "--sample-interval", "200ms",
            "--zk-digest-file", cluster.coordinatorZkDigestFile().toString(),
            "--zk-agent-digest-file", cluster.agentZkDigestFile().toString()));
        flags.addAll(TlsOptions.flags(cluster.issue(SpiffeId.Role.COORDINATOR, name)));
        CoordinatorProcess c = new CoordinatorProcess(name, FreePorts.next(), FreePorts.next(), flags,
            work.resolve(name + ".log"));
        soak.coordinators.add(c);
        c.start();
      }
      soak.awaitLeader(Duration.ofSeconds(90));
      for (int i = 1; i <= agents; i++) {
        beforeAgents.prepare(i, cluster.agentDir(i));
      }
      cluster.startAgents();
    } catch (Exception | Error e) {
      soak.close();
      throw e;
    }
    return soak;
  }

  /** Prepares agent {@code i}'s directory before it starts. */
  interface AgentDirs {
    void prepare(int agent, Path dir) throws Exception;
  }

  Optional<CoordinatorProcess> leader() {
    return coordinators.stream().filter(CoordinatorProcess::answers).filter(CoordinatorProcess::leads).findFirst();
  }

  CoordinatorProcess awaitLeader(Duration max) throws InterruptedException {
    long until = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < until) {
      Optional<CoordinatorProcess> l = leader();
      if (l.isPresent()) {
        return l.get();
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    throw new IllegalStateException("no coordinator leads after " + max);
  }

  /** The CLI against the first coordinator that can answer (standbys point writes at the leader). */
  CliRun cli(String... args) {
    String target = coordinators.stream().filter(CoordinatorProcess::answers).map(CoordinatorProcess::address)
        .findFirst().orElse(coordinators.get(0).address());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(cluster.operatorFlags());
    all.addAll(List.of("--coordinator", target, "--timeout", "10s"));
    all.addAll(List.of(args));
    int code = ZddCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    return new CliRun(code, out.toString(), err.toString());
  }

  @Override
  public void close() {
    coordinators.forEach(CoordinatorProcess::close);
    cluster.close();
    try {
      zk.close();
    } catch (Exception e) {
      // a server the nemesis stopped throws on close; nothing else to release
    }
  }
}
