package io.zdd.deploy.cluster;

import io.grpc.ManagedChannel;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.agent.AgentConfig;
import io.zdd.agent.AgentMain;
import io.zdd.common.tls.ClusterCertificates;
import io.zdd.common.tls.GrpcSecurity;
import io.zdd.common.tls.SpiffeId;
import io.zdd.common.tls.TlsConfig;
import io.zdd.common.tls.TlsOptions;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.marathon.MarathonAuth;
import io.zdd.coordinator.security.OperatorRoles;
import io.zdd.deploy.marathon.LocalMarathon;
import io.zdd.deploy.marathon.LocalMarathonConfig;
import io.zdd.deploy.marathon.MarathonHttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The whole system on one machine, on loopback: an embedded ZooKeeper, the Marathon-compatible
 * local scheduler, N lb-agents each supervising its own real HAProxy, and M coordinators. Each
 * component has its own ports, ZooKeeper session and state, so stopping one behaves like killing
 * its process. LB host {@code i} binds its group frontends on {@code 127.0.0.(i+1)}, so every LB
 * can serve the same service port, as on separate hosts.
 */
public final class LocalCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
  public static final String TRUST_DOMAIN = "zdd";
  /** The name of the admin operator identity the cluster issues for its CLI users. */
  public static final String OPERATOR = "operator";
  /** Agents stopped at once by {@link #close()}. */
  private static final int AGENT_STOPPERS = 16;

  /**
   * @param workDir everything the cluster writes (ZooKeeper data, HAProxy run dirs, task sandboxes)
   * @param zkSessionTimeout coordinators' and agents' session timeout: the failover time
   * @param lbGroups the Marathon-LB groups of agent {@code i} (1-based; its {@code --lb-group})
   */
  public record Options(int agents, int coordinators, Path workDir, Duration zkSessionTimeout, boolean metrics,
      IntFunction<List<String>> lbGroups) {
    /** Every agent in Marathon-LB group {@code external}, the group the demo app names. */
    public Options(int agents, int coordinators, Path workDir, Duration zkSessionTimeout, boolean metrics) {
      this(agents, coordinators, workDir, zkSessionTimeout, metrics, i -> List.of("external"));
    }

    public static Options defaults(Path workDir) {
      return new Options(3, 3, workDir, Duration.ofSeconds(6), true);
    }
  }

  /**
   * An LB host in its own network namespace (made by the caller, reachable from here at
   * {@code address}): its frontends listen there and its port swap edits that namespace's nat
   * table, so a swapped port redirects connections that arrive at {@code address}.
   */
  public record LbNamespace(String name, String address) {}

  /** One coordinator slot: its fixed ports survive a restart of the coordinator. */
  public static final class CoordinatorSlot {
    final int grpcPort;
    final int metricsPort;
    Coordinator coordinator;

    CoordinatorSlot(int grpcPort, int metricsPort) {
      this.grpcPort = grpcPort;
      this.metricsPort = metricsPort;
    }

    public Optional<Coordinator> coordinator() {
      return Optional.ofNullable(coordinator);
    }

    public String address() {
      return "127.0.0.1:" + grpcPort;
    }

    public int metricsPort() {
      return metricsPort;
    }
  }

  private final Options options;
  /** A ZooKeeper ensemble run by someone else (e.g. a test's 3-server cluster), instead of the embedded one. */
  private final Optional<String> externalZkConnect;
  private EmbeddedZooKeeper zk;
  private LocalMarathon marathon;
  private MarathonHttpServer marathonHttp;
  private final List<AgentMain.Running> agents = new ArrayList<>();
  private final List<CoordinatorSlot> coordinators = new ArrayList<>();
  private final List<String> lbAddresses = new ArrayList<>();
  private final List<Integer> agentMetricsPorts = new ArrayList<>();
  private ClusterCertificates certs;
  private OperatorRoles roles = OperatorRoles.everyOperatorIsAdmin();
  private Map<String, Path> hooks = Map.of();
  private Coordinator.AnalysisSettings analysis = Coordinator.AnalysisSettings.NONE;
  private TlsConfig operator;
  private Coordinator.ZkCredentials zkCredentials;
  private Path agentDigestFile;
  private Path coordinatorDigestFile;
  private final Map<String, GrpcSecurity> clients = new HashMap<>();
  private IntFunction<Optional<LbNamespace>> namespaces = i -> Optional.empty();

  public LocalCluster(Options options) {
    this(options, Optional.empty());
  }

  /**
   * @param externalZkConnect when present, every component connects to this ensemble and no
   *     embedded ZooKeeper is started or stopped by this cluster
   */
  public LocalCluster(Options options, Optional<String> externalZkConnect) {
    this.options = options;
    this.externalZkConnect = externalZkConnect;
  }

  /** What operator certificates may do (before {@link #start}); by default every operator is an admin. */
  public LocalCluster withRoles(OperatorRoles roles) {
    this.roles = roles;
    return this;
  }

  /** Network namespaces of LB hosts {@code i} (1-based; before the agents start); by default none. */
  public LocalCluster withLbNamespaces(IntFunction<Optional<LbNamespace>> namespaces) {
    this.namespaces = namespaces;
    return this;
  }

  /** Pre-kill hooks the coordinators declare (before {@link #start}). */
  /** Canary analysis settings of every coordinator (templates, Prometheus, webhook secret); before start. */
  public LocalCluster withAnalysis(Coordinator.AnalysisSettings settings) {
    this.analysis = settings;
    return this;
  }

  public LocalCluster withHooks(Map<String, Path> hooks) {
    this.hooks = Map.copyOf(hooks);
    return this;
  }

  /** Starts everything: {@link #startCore()}, then {@link #startAgents()}. */
  public void start() throws Exception {
    startCore();
    startAgents();
  }

  /**
   * Starts ZooKeeper (unless external), the PKI, Marathon, the ZooKeeper identities and the
   * in-process coordinators, but no agent: a caller running its coordinators elsewhere (in their
   * own processes) starts them between this and {@link #startAgents()}, since coordinators prepare
   * the znodes agents register under.
   */
  public void startCore() throws Exception {
    Files.createDirectories(options.workDir());
    // One cluster CA; every process gets its own identity, and "operator" is the demo's and tests' CLI.
    certs = ClusterCertificates.openOrCreate(options.workDir().resolve("pki"), TRUST_DOMAIN, Duration.ofDays(30),
        Clock.systemUTC());
    operator = issue(SpiffeId.Role.OPERATOR, OPERATOR);
    if (externalZkConnect.isEmpty()) {
      // The embedded ZooKeeper speaks TLS only, with a server certificate of the cluster CA.
      TlsConfig zkServer = issue(SpiffeId.Role.ZOOKEEPER, "zookeeper");
      Path joined = secretFile("zookeeper-identity.pem",
          Files.readString(zkServer.key()) + Files.readString(zkServer.certificate()));
      zk = new EmbeddedZooKeeper(options.workDir().resolve("zookeeper"),
          Optional.of(new EmbeddedZooKeeper.ServerTls(joined, zkServer.ca())));
      zk.start();
    }
    log.info("ZooKeeper at {}", zkConnect());

    marathon = new LocalMarathon(LocalMarathonConfig.defaults().withSandboxRoot(options.workDir().resolve("tasks")));
    marathon.start();
    marathonHttp = MarathonHttpServer.start(marathon, "127.0.0.1", 0);
    log.info("Marathon API at {}", marathonHttp.url());

    // ZooKeeper ACLs as in production: one identity for the coordinators, one for the agents.
    zkCredentials = new Coordinator.ZkCredentials("zdd-coordinator:" + secret(), "zdd-agent:" + secret());
    agentDigestFile = secretFile("zk-agent.digest", zkCredentials.agents());
    coordinatorDigestFile = secretFile("zk-coordinator.digest", zkCredentials.coordinator());

    // Coordinators first: they prepare the znodes agents register under.
    for (int j = 1; j <= options.coordinators(); j++) {
      CoordinatorSlot slot = new CoordinatorSlot(FreePorts.next(), options.metrics() ? FreePorts.next() : 0);
      coordinators.add(slot);
      startCoordinator(slot);
    }
  }

  /** Starts the agents, 1 to {@code options.agents()}. */
  public void startAgents() throws Exception {
    for (int i = agents.size() + 1; i <= options.agents(); i++) {
      startAgent(i);
    }
  }

  /** Stops agent {@code i} (1-based) and starts it again on the same data and HAProxy dirs. */
  public void restartAgent(int i) throws Exception {
    agents.get(i - 1).close();
    agents.set(i - 1, newAgent(i));
  }

  private void startAgent(int i) throws Exception {
    agents.add(newAgent(i));
    lbAddresses.add(lbAddress(i));
  }

  private String lbAddress(int i) {
    return namespaces.apply(i).map(LbNamespace::address).orElse("127.0.0." + (i + 1));
  }

  /** Agent {@code i}'s directory (1-based): {@code data/} holds its state files, {@code haproxy/} its HAProxy. */
  public Path agentDir(int i) {
    return options.workDir().resolve("lb-" + i);
  }

  private AgentMain.Running newAgent(int i) throws Exception {
    String id = "lb-" + i;
    Path dir = agentDir(i);
    int grpc = FreePorts.next();
    int metricsPort = FreePorts.next();
    String bind = lbAddress(i);
    AgentConfig c = new AgentConfig();
    List<String> args = new ArrayList<>(TlsOptions.flags(issue(SpiffeId.Role.AGENT, id)));
    args.addAll(List.of(
        "--agent-id", id,
        "--grpc-listen", "127.0.0.1:" + grpc,
        "--advertise-address", "127.0.0.1:" + grpc,
        "--metrics-listen", "127.0.0.1:" + metricsPort,
        "--data-dir", dir.resolve("data").toString(),
        "--haproxy-mode", "supervise",
        "--haproxy-run-dir", dir.resolve("haproxy").toString(),
        "--hard-stop-after", "30s",
        "--frontend-bind-address", bind,
        "--zk-connect", zkConnect(),
        "--zk-session-timeout", options.zkSessionTimeout().toMillis() + "ms",
        "--zk-digest-file", agentDigestFile.toString(),
        "--lb-group", String.join(",", options.lbGroups().apply(i)),
        "--sample-interval", "200ms"));
    if (zkTls()) {
      args.add("--zk-tls");
    }
    namespaces.apply(i).ifPresent(ns -> args.addAll(List.of("--frontend-netns", ns.name(), "--iptables-netns", ns.name())));
    new CommandLine(c).parseArgs(args.toArray(String[]::new));
    AgentMain.Running agent = AgentMain.Running.start(c);
    if (agentMetricsPorts.size() >= i) {
      agentMetricsPorts.set(i - 1, metricsPort);
    } else {
      agentMetricsPorts.add(metricsPort);
    }
    log.info("lb-agent {} on 127.0.0.1:{}, frontends on {}, Marathon-LB groups {}", id, grpc, bind,
        options.lbGroups().apply(i));
    return agent;
  }

  /** Starts (or restarts) the coordinator of a slot. */
  public void startCoordinator(CoordinatorSlot slot) throws Exception {
    TlsConfig coordinatorTls = issue(SpiffeId.Role.COORDINATOR, "coordinator-" + (coordinators.indexOf(slot) + 1));
    Consumer<String> abort = reason -> log.error("coordinator {} would exit: {}", slot.address(), reason);
    Coordinator c = new Coordinator(new Coordinator.Config(
        slot.address(),
        new InetSocketAddress("127.0.0.1", slot.grpcPort),
        slot.metricsPort == 0 ? Optional.empty() : Optional.of(new InetSocketAddress("127.0.0.1", slot.metricsPort)),
        zkConnect(), "/zdd", options.zkSessionTimeout(), Optional.of(zkCredentials),
        URI.create(marathonHttp.url()), MarathonAuth.NONE, Optional.empty(),
        Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofSeconds(60), 50, abort,
        Optional.of(coordinatorTls), roles, hooks,
        zkTls() ? io.zdd.common.tls.ZkTls.clientProperties(coordinatorTls) : Map.of(), Coordinator.Limits.DEFAULTS,
        Coordinator.DashboardSettings.DEFAULTS, analysis));
    c.start();
    slot.coordinator = c;
  }

  /** Stops one coordinator as a crash would: its session ends and a standby takes over. */
  public void stopCoordinator(CoordinatorSlot slot) {
    if (slot.coordinator != null) {
      slot.coordinator.close();
      slot.coordinator = null;
    }
  }

  public List<CoordinatorSlot> coordinators() {
    return List.copyOf(coordinators);
  }

  public Optional<CoordinatorSlot> leader() {
    return coordinators.stream().filter(s -> s.coordinator != null && s.coordinator.isLeader()).findFirst();
  }

  /** Addresses of the coordinators' admin APIs, comma-free list for the CLI. */
  public String anyCoordinator() {
    return coordinators.get(0).address();
  }

  private static String secret() {
    byte[] b = new byte[18];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private Path secretFile(String name, String content) throws IOException {
    Path f = options.workDir().resolve(name);
    Files.writeString(f, content + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  /** The file holding the coordinators' ZooKeeper identity, for a coordinator started outside the cluster. */
  public Path coordinatorZkDigestFile() {
    return coordinatorDigestFile;
  }

  /** True when the cluster runs its own ZooKeeper, which then speaks TLS only. */
  public boolean zkTls() {
    return externalZkConnect.isEmpty();
  }

  /** The file holding the agents' ZooKeeper identity, for an agent started outside the cluster. */
  public Path agentZkDigestFile() {
    return agentDigestFile;
  }

  /** The coordinators' and agents' ZooKeeper identities (user:password each). */
  public Coordinator.ZkCredentials zkCredentials() {
    return zkCredentials;
  }

  /** Issues (or rotates) the certificate of one identity in the cluster's CA directory. */
  public TlsConfig issue(SpiffeId.Role role, String name) throws IOException {
    return certs.issue(role, name, List.of("127.0.0.1", "localhost"), Duration.ofDays(30))
        .withReloadInterval(Duration.ofSeconds(1));
  }

  public ClusterCertificates certificates() {
    return certs;
  }

  /** The admin operator's TLS settings (identity {@code spiffe://zdd/operator/operator}). */
  public TlsConfig operatorTls() {
    return operator;
  }

  /**
   * A channel to an agent presenting the identity {@code role}/{@code name} (an operator may read;
   * only a coordinator may write). The caller shuts the channel down; the TLS material is closed
   * with the cluster.
   */
  public ManagedChannel agentChannel(AgentMain.Running agent, SpiffeId.Role role, String name) {
    return clientSecurity(role, name).channel("127.0.0.1", agent.grpcPort(),
        id -> id.role() == SpiffeId.Role.AGENT && id.name().equals(agent.agentId().value()), "agent " + agent.agentId())
        .build();
  }

  /** A channel to a coordinator's admin API as the admin operator. */
  public ManagedChannel coordinatorChannel(String address) {
    int i = address.lastIndexOf(':');
    return clientSecurity(SpiffeId.Role.OPERATOR, OPERATOR)
        .channel(address.substring(0, i), Integer.parseInt(address.substring(i + 1)), SpiffeId.Role.COORDINATOR).build();
  }

  private synchronized GrpcSecurity clientSecurity(SpiffeId.Role role, String name) {
    return clients.computeIfAbsent(role + "/" + name, k -> {
      try {
        return GrpcSecurity.open(Optional.of(issue(role, name)), "client " + k);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** CLI flags for the admin operator. */
  public List<String> operatorFlags() {
    return TlsOptions.flags(operator);
  }

  public String marathonUrl() {
    return marathonHttp.url();
  }

  public LocalMarathon marathon() {
    return marathon;
  }

  public String zkConnect() {
    return externalZkConnect.orElseGet(() -> zk.connectString());
  }

  /** The address each LB's group frontends bind on (one per LB host). */
  public List<String> lbAddresses() {
    return List.copyOf(lbAddresses);
  }

  private static void closeAgents(List<AgentMain.Running> running) {
    if (running.isEmpty()) {
      return;
    }
    ExecutorService stoppers = Executors.newFixedThreadPool(Math.min(running.size(), AGENT_STOPPERS),
        new NamedThreadFactory("cluster-agent-stop"));
    try {
      List<Future<?>> stops = new ArrayList<>();
      running.forEach(a -> stops.add(stoppers.submit(a::close)));
      for (Future<?> f : stops) {
        try {
          f.get();
        } catch (ExecutionException e) {
          log.warn("an lb-agent did not stop cleanly: {}", e.getCause().toString());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stoppers.shutdown();
    }
  }

  public List<AgentMain.Running> agents() {
    return List.copyOf(agents);
  }

  public List<Integer> agentMetricsPorts() {
    return List.copyOf(agentMetricsPorts);
  }

  /**
   * Stops coordinators, agents (and their HAProxies), every task, then ZooKeeper. Idempotent.
   * Agents stop in parallel: each may wait out its HAProxy's shutdown grace, and one after the
   * other a hundred of them outlast any stop budget (the demo's JVM then halts with HAProxies
   * still running).
   */
  @Override
  public void close() {
    for (CoordinatorSlot s : coordinators) {
      stopCoordinator(s);
    }
    closeAgents(List.copyOf(agents));
    agents.clear();
    if (marathonHttp != null) {
      marathonHttp.close();
      marathonHttp = null;
    }
    if (marathon != null) {
      marathon.close();
      marathon = null;
    }
    if (zk != null) {
      zk.close();
      zk = null;
    }
    synchronized (this) {
      clients.values().forEach(GrpcSecurity::close);
      clients.clear();
    }
  }
}
