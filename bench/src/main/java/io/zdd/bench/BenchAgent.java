package io.zdd.bench;

import io.grpc.ManagedChannel;
import io.zdd.common.tls.ClusterCertificates;
import io.zdd.common.tls.GrpcSecurity;
import io.zdd.common.tls.SpiffeId;
import io.zdd.common.tls.TlsConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import io.zdd.agent.AgentConfig;
import io.zdd.agent.AgentMain;
import io.zdd.proto.v1.LbAgentGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * One real lb-agent, started in this JVM exactly as its main does ({@link AgentMain.Running}):
 * supervised HAProxy in a temporary directory, gRPC, metrics and frontends on 127.0.0.1, no
 * ZooKeeper, mutual TLS as in production (the bench calls it as a coordinator), the
 * {@code --config-sync} given. Closing it stops
 * the agent (and so HAProxy) and deletes the directory.
 */
final class BenchAgent implements AutoCloseable {
  private final Path dir;
  private final AgentMain.Running running;
  private final ManagedChannel channel;
  private final GrpcSecurity client;

  private BenchAgent(Path dir, AgentMain.Running running, GrpcSecurity client) {
    this.dir = dir;
    this.running = running;
    this.client = client;
    this.channel = client.channel("127.0.0.1", running.grpcPort(), SpiffeId.Role.AGENT).build();
  }

  static BenchAgent start(Path haproxyBin) throws Exception {
    return start(haproxyBin, "structure");
  }

  /** @param configSync the agent's --config-sync: structure (the default) or always */
  static BenchAgent start(Path haproxyBin, String configSync) throws Exception {
    Path dir = Files.createTempDirectory("zdd-bench-");
    AgentConfig config = new AgentConfig();
    ClusterCertificates certs = ClusterCertificates.openOrCreate(dir.resolve("pki"), "zdd", Duration.ofDays(1),
        Clock.systemUTC());
    TlsConfig agentTls = certs.issue(SpiffeId.Role.AGENT, "bench");
    // The same flags an operator would give; parsed by picocli so defaults and validation apply.
    new CommandLine(config).parseArgs(
        "--tls-ca", agentTls.ca().toString(), "--tls-cert", agentTls.certificate().toString(),
        "--tls-key", agentTls.key().toString(),
        "--agent-id", "bench",
        "--grpc-listen", "127.0.0.1:0",
        "--metrics-listen", "127.0.0.1:0",
        "--data-dir", dir.resolve("data").toString(),
        "--haproxy-mode", "supervise",
        "--haproxy-bin", haproxyBin.toString(),
        "--haproxy-run-dir", dir.resolve("run").toString(),
        // Old workers of 200+ reloads must not pile up; the load uses one connection per request.
        "--hard-stop-after", "10s",
        "--frontend-bind-address", "127.0.0.1",
        "--frontend-port-range", "1024-65535", // the test's free ports
        "--zk-connect", "",
        "--shutdown-grace", "2s",
        "--config-sync", configSync);
    try {
      AgentMain.Running running = AgentMain.Running.start(config);
      return new BenchAgent(dir, running,
          GrpcSecurity.open(Optional.of(certs.issue(SpiffeId.Role.COORDINATOR, "bench")), "bench client"));
    } catch (Exception | Error e) {
      deleteTree(dir);
      throw e;
    }
  }

  LbAgentGrpc.LbAgentBlockingStub stub() {
    return LbAgentGrpc.newBlockingStub(channel);
  }

  /** The base config the agent wrote for its supervised HAProxy. */
  Path baseConfig() {
    return dir.resolve("run").resolve("base.cfg");
  }

  /** The agent's own config file (its groups), loaded after the base config. */
  Path zddConfig() {
    return dir.resolve("run").resolve("zdd.cfg");
  }

  /** The HAProxy master's pid, to name it in the report. */
  long haproxyMasterPid() {
    return running.haproxyMasterPid().orElse(-1L);
  }

  @Override
  public void close() {
    try {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      client.close();
      running.close();
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      System.err.println("bench: could not delete " + root + ": " + e);
    }
  }
}
