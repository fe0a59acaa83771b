package io.zdd.agent;

import io.zdd.agent.grpc.LbAgentService;
import io.zdd.agent.grpc.SamplingPace;
import io.zdd.agent.haproxy.ConfigSync;
import io.zdd.common.config.ByteSizes;
import io.zdd.common.config.CredentialsFile;
import io.zdd.common.config.Durations;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.grpc.GrpcServerLimits;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.PortRange;
import io.zdd.common.model.Validation;
import io.zdd.common.tls.TlsConfig;
import io.zdd.common.tls.TlsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Every setting of the lb-agent, as command-line flags, each also read from an environment
 * variable {@code ZDD_AGENT_*} (the flag wins). The typed accessors validate and name the flag in
 * their error.
 */
public final class AgentConfig {
  /** --tls-ca, --tls-cert, --tls-key, --trust-domain, --tls12, --tls-reload, --insecure (env ZDD_TLS_*, ZDD_INSECURE). */
  @Mixin final TlsOptions tls = new TlsOptions();

  /** How the agent gets its HAProxy. */
  public enum HaproxyMode {
    /** Start HAProxy as a child and stop it with the agent. */
    supervise,
    /** Use an HAProxy someone else runs (it outlives agent restarts). */
    attach
  }

  @Option(names = "--agent-id", defaultValue = "${env:ZDD_AGENT_ID}",
      description = "Identity of this agent in ZooKeeper and in every answer; [A-Za-z0-9_.-]. "
          + "Default: the host name. Env: ZDD_AGENT_ID.")
  String agentId;

  @Option(names = "--grpc-listen", defaultValue = "${env:ZDD_AGENT_GRPC_LISTEN:-127.0.0.1:7100}",
      description = "host:port the LbAgent gRPC service (and gRPC health) listens on; port 0 picks a free "
          + "port. Loopback by default: set the address coordinators dial (0.0.0.0:7100 for every "
          + "interface). Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_GRPC_LISTEN.")
  String grpcListen;

  @Option(names = "--advertise-address", defaultValue = "${env:ZDD_AGENT_ADVERTISE_ADDRESS}",
      description = "host:port the coordinator should dial, published in ZooKeeper. Default: the host name and "
          + "the gRPC port. Env: ZDD_AGENT_ADVERTISE_ADDRESS.")
  String advertiseAddress;

  @Option(names = "--metrics-listen", defaultValue = "${env:ZDD_AGENT_METRICS_LISTEN:-127.0.0.1:7101}",
      description = "host:port of the Prometheus endpoint (GET /metrics, /healthz). Default: ${DEFAULT-VALUE}. "
          + "Env: ZDD_AGENT_METRICS_LISTEN.")
  String metricsListen;

  @Option(names = "--data-dir", defaultValue = "${env:ZDD_AGENT_DATA_DIR:-/var/lib/zdd-agent}",
      description = "Directory for the agent's durable state: highest leader epoch, applied versions, port "
          + "redirects. Must survive restarts. Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_DATA_DIR.")
  Path dataDir;

  @Option(names = "--haproxy-mode", defaultValue = "${env:ZDD_AGENT_HAPROXY_MODE:-supervise}",
      description = "supervise: start HAProxy (master-worker) as a child with the agent's base config and stop it "
          + "on exit; attach: use a running HAProxy through --stats-socket and --master-socket, left running "
          + "on exit. Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_HAPROXY_MODE.")
  HaproxyMode haproxyMode;

  @Option(names = "--haproxy-bin", defaultValue = "${env:ZDD_AGENT_HAPROXY_BIN:-/usr/sbin/haproxy}",
      description = "HAProxy executable, used to run it (supervise) and for 'haproxy -c' checks (both modes). "
          + "Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_HAPROXY_BIN.")
  Path haproxyBin;

  @Option(names = "--haproxy-run-dir", defaultValue = "${env:ZDD_AGENT_HAPROXY_RUN_DIR:-/run/zdd-agent/haproxy}",
      description = "supervise mode: where the base config, zdd.cfg, sockets, pid file, server-state file and "
          + "HAProxy's output live. Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_HAPROXY_RUN_DIR.")
  Path haproxyRunDir;

  @Option(names = "--hard-stop-after", defaultValue = "${env:ZDD_AGENT_HARD_STOP_AFTER:-5m}",
      converter = Durations.Converter.class,
      description = "supervise mode: how long an old HAProxy worker may keep draining after a reload "
          + "(hard-stop-after; whole seconds). Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_HARD_STOP_AFTER.")
  Duration hardStopAfter;

  @Option(names = "--stats-socket", defaultValue = "${env:ZDD_AGENT_STATS_SOCKET}",
      description = "attach mode: HAProxy worker stats socket (level admin). Env: ZDD_AGENT_STATS_SOCKET.")
  Path statsSocket;

  @Option(names = "--master-socket", defaultValue = "${env:ZDD_AGENT_MASTER_SOCKET}",
      description = "attach mode: HAProxy master CLI socket (-S). Env: ZDD_AGENT_MASTER_SOCKET.")
  Path masterSocket;

  @Option(names = "--haproxy-base-config", defaultValue = "${env:ZDD_AGENT_HAPROXY_BASE_CONFIG}",
      description = "attach mode: the operator's base config HAProxy was started with (-f), read only for "
          + "'haproxy -c'. Env: ZDD_AGENT_HAPROXY_BASE_CONFIG.")
  Path haproxyBaseConfig;

  @Option(names = "--haproxy-zdd-config", defaultValue = "${env:ZDD_AGENT_HAPROXY_ZDD_CONFIG}",
      description = "attach mode: the agent's own config file, loaded by HAProxy after the base config (-f). "
          + "Env: ZDD_AGENT_HAPROXY_ZDD_CONFIG.")
  Path haproxyZddConfig;

  @Option(names = "--server-state-file", defaultValue = "${env:ZDD_AGENT_SERVER_STATE_FILE}",
      description = "attach mode: the base config's server-state-file, dumped before each reload so runtime "
          + "state survives it (optional). Env: ZDD_AGENT_SERVER_STATE_FILE.")
  Path serverStateFile;

  @Option(names = "--frontend-bind-address", defaultValue = "${env:ZDD_AGENT_FRONTEND_BIND_ADDRESS:-*}",
      description = "Address the group frontends bind ('*' for all). Default: ${DEFAULT-VALUE}. "
          + "Env: ZDD_AGENT_FRONTEND_BIND_ADDRESS.")
  String frontendBindAddress;

  @Option(names = "--frontend-port-range", defaultValue = "${env:ZDD_AGENT_FRONTEND_PORT_RANGE:-10000-20000}",
      description = "Ports a group frontend may bind, FIRST-LAST; others are refused. Default: ${DEFAULT-VALUE} "
          + "(Marathon's service-port range). Env: ZDD_AGENT_FRONTEND_PORT_RANGE.")
  String frontendPortRange;

  @Option(names = "--lb-group", split = ",", defaultValue = "${env:ZDD_AGENT_LB_GROUPS:-external}",
      description = "Marathon-LB group this load balancer serves, the same names as marathon-lb's --group "
          + "('*' for every group); repeatable or comma-separated. An app is deployed to the LBs whose groups "
          + "match its HAPROXY_GROUP label, as marathon-lb does. Default: ${DEFAULT-VALUE} (DC/OS's public "
          + "Marathon-LB group). Env: ZDD_AGENT_LB_GROUPS.")
  List<String> lbGroups;

  @Option(names = "--zk-connect", defaultValue = "${env:ZDD_AGENT_ZK_CONNECT}",
      description = "ZooKeeper connect string (host:port,...). When set, the agent registers itself as an "
          + "ephemeral node <zk-root>/agents/<agent-id>; when empty it runs unregistered. Env: ZDD_AGENT_ZK_CONNECT.")
  String zkConnect;

  @Option(names = "--zk-root", defaultValue = "${env:ZDD_AGENT_ZK_ROOT:-/zdd}",
      description = "ZooKeeper root path of zdd. Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_ZK_ROOT.")
  String zkRoot;

  @Option(names = "--zk-session-timeout", defaultValue = "${env:ZDD_AGENT_ZK_SESSION_TIMEOUT:-15s}",
      converter = Durations.Converter.class,
      description = "ZooKeeper session timeout; the registration disappears this long after the agent dies. "
          + "Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_ZK_SESSION_TIMEOUT.")
  Duration zkSessionTimeout;

  @Option(names = "--zk-digest-file", defaultValue = "${env:ZDD_AGENT_ZK_DIGEST_FILE}",
      description = "File whose first line is user:password of the agents' ZooKeeper digest identity (the one "
          + "the coordinators name in --zk-agent-digest-file). The agent also signs in as itself, so only it "
          + "may change its registration node; the coordinators must have created <zk-root>/agents. "
          + "Env: ZDD_AGENT_ZK_DIGEST_FILE.")
  Path zkDigestFile;

  @Option(names = "--zk-tls", defaultValue = "${env:ZDD_AGENT_ZK_TLS:-false}",
      description = "Talk to ZooKeeper over TLS with this agent's certificate (--tls-*); the ZooKeeper servers need "
          + "a secure client port with certificates of the same CA. Env: ZDD_AGENT_ZK_TLS.")
  boolean zkTls;

  @Option(names = "--iptables-netns", defaultValue = "${env:ZDD_AGENT_IPTABLES_NETNS}",
      description = "Network namespace whose nat table the port swap edits (commands run as 'ip netns exec "
          + "<ns> iptables-restore'). Default: the agent's own namespace. Env: ZDD_AGENT_IPTABLES_NETNS.")
  String iptablesNetns;

  @Option(names = "--frontend-netns", defaultValue = "${env:ZDD_AGENT_FRONTEND_NETNS}",
      description = "Network namespace the group frontends listen in (HAProxy's 'bind ... namespace'); give the "
          + "namespace of --iptables-netns so that swapped ports reach them. Default: HAProxy's own namespace. "
          + "Env: ZDD_AGENT_FRONTEND_NETNS.")
  String frontendNetns;

  @Option(names = "--iptables-restore", defaultValue = "${env:ZDD_AGENT_IPTABLES_RESTORE:-/usr/sbin/iptables-restore}",
      description = "iptables-restore binary; use the backend (nft or legacy) the host's other rules use. "
          + "Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_IPTABLES_RESTORE.")
  String iptablesRestore;

  @Option(names = "--iptables-save", defaultValue = "${env:ZDD_AGENT_IPTABLES_SAVE:-/usr/sbin/iptables-save}",
      description = "iptables-save binary matching --iptables-restore. Default: ${DEFAULT-VALUE}. "
          + "Env: ZDD_AGENT_IPTABLES_SAVE.")
  String iptablesSave;

  @Option(names = "--sample-interval", defaultValue = "${env:ZDD_AGENT_SAMPLE_INTERVAL:-250ms}",
      converter = Durations.Converter.class,
      description = "Default WatchConnections sampling interval (a watcher may ask for another, at least 50ms). "
          + "Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_SAMPLE_INTERVAL.")
  Duration sampleInterval;

  @Option(names = "--heartbeat", defaultValue = "${env:ZDD_AGENT_HEARTBEAT:-5s}",
      converter = Durations.Converter.class,
      description = "Default WatchConnections heartbeat: without changes, a sample is sent at the first reading "
          + "taken at least this long after the last one sent. Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_HEARTBEAT.")
  Duration heartbeat;

  // ---- Idle cost: how often HAProxy is read while nothing needs watching closely ----

  @Option(names = "--idle-sample-interval", defaultValue = "${env:ZDD_AGENT_IDLE_SAMPLE_INTERVAL:-2s}",
      converter = Durations.Converter.class,
      description = "Pace of the shared connection reading while nothing needs watching closely (no write command "
          + "within --sample-hot-window, no out-of-service server holding connections); the watchers' own interval "
          + "applies otherwise. 0 reads at the watchers' interval all the time. Default: ${DEFAULT-VALUE}. "
          + "Env: ZDD_AGENT_IDLE_SAMPLE_INTERVAL.")
  Duration idleSampleInterval;

  @Option(names = "--sample-hot-window", defaultValue = "${env:ZDD_AGENT_SAMPLE_HOT_WINDOW:-10s}",
      converter = Durations.Converter.class,
      description = "How long connection readings stay at the watchers' interval after a write command "
          + "(ApplyBackends, SwapPort, ShutdownSessions, RemoveGroup). Default: ${DEFAULT-VALUE}. "
          + "Env: ZDD_AGENT_SAMPLE_HOT_WINDOW.")
  Duration sampleHotWindow;

  @Option(names = "--reload-detection", defaultValue = "${env:ZDD_AGENT_RELOAD_DETECTION:-procfs}",
      description = "How HAProxy reloads are noticed: procfs (the master's children in /proc every 250ms, a full "
          + "master CLI 'show proc' when they change and every 2s as a backstop; only that 2s poll when /proc does "
          + "not show the master, e.g. in another pid namespace) or poll ('show proc' every 250ms). Default: ${DEFAULT-VALUE}. "
          + "Env: ZDD_AGENT_RELOAD_DETECTION.")
  ReloadDetection reloadDetection;

  /** See {@code --reload-detection}. */
  public enum ReloadDetection {
    procfs,
    poll
  }

  // ---- end of idle cost ----

  @Option(names = "--max-message-size", defaultValue = "${env:ZDD_AGENT_MAX_MESSAGE_SIZE:-4MiB}",
      converter = ByteSizes.Converter.class,
      description = "Largest gRPC message the agent reads (64KiB..64MiB); a bigger one is refused with "
          + "RESOURCE_EXHAUSTED before anything acts on it. Default: 4MiB. Env: ZDD_AGENT_MAX_MESSAGE_SIZE.")
  int maxMessageSize;

  @Option(names = "--max-concurrent-calls", defaultValue = "${env:ZDD_AGENT_MAX_CONCURRENT_CALLS:-100}",
      description = "gRPC calls one connection may have open at once (1..10000); a client opening more waits "
          + "for a slot. Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_MAX_CONCURRENT_CALLS.")
  int maxConcurrentCalls;

  @Option(names = "--max-groups", defaultValue = "${env:ZDD_AGENT_MAX_GROUPS:-200}",
      description = "Groups the agent manages at once (1..10000); ApplyBackends of a new group beyond it is refused "
          + "with FAILED_PRECONDITION and changes nothing. Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_MAX_GROUPS.")
  int maxGroups;

  @Option(names = "--max-servers-per-backend", defaultValue = "${env:ZDD_AGENT_MAX_SERVERS_PER_BACKEND:-1000}",
      description = "Servers in one group's backend set (1..100000); a bigger set is refused with INVALID_ARGUMENT "
          + "(field backend_set.servers) and changes nothing. Default: ${DEFAULT-VALUE}. "
          + "Env: ZDD_AGENT_MAX_SERVERS_PER_BACKEND.")
  int maxServersPerBackend;

  @Option(names = "--max-streams", defaultValue = "${env:ZDD_AGENT_MAX_STREAMS:-64}",
      description = "WatchConnections streams open at once (1..10000); one more is refused with RESOURCE_EXHAUSTED "
          + "until a stream ends. All streams share one HAProxy reading. Default: ${DEFAULT-VALUE}. "
          + "Env: ZDD_AGENT_MAX_STREAMS.")
  int maxStreams;

  @Option(names = "--shutdown-grace", defaultValue = "${env:ZDD_AGENT_SHUTDOWN_GRACE:-10s}",
      converter = Durations.Converter.class,
      description = "How long in-flight calls may finish on shutdown before they are cut. "
          + "Default: ${DEFAULT-VALUE}. Env: ZDD_AGENT_SHUTDOWN_GRACE.")
  Duration shutdownGrace;

  // ---- when zdd.cfg is written (--config-sync) ----
  @Option(names = "--config-sync", defaultValue = "${env:ZDD_AGENT_CONFIG_SYNC:-structure}",
      converter = ConfigSyncConverter.class,
      description = "When a change writes zdd.cfg. structure: before the change (with 'haproxy -c', and the reload) "
          + "only when a group's frontends or backend options change; a change of servers only (weights, admin "
          + "states, addresses, servers added or removed) is answered from HAProxy's runtime API and written to "
          + "the file in the background, coalesced, before any reload of the agent's own. always: write and "
          + "'haproxy -c' before every change (slower; for comparison). Default: ${DEFAULT-VALUE}. "
          + "Env: ZDD_AGENT_CONFIG_SYNC.")
  ConfigSync configSync;

  public ConfigSync configSync() {
    return configSync;
  }

  /** always | structure, refused at parse time like any other bad value. */
  static final class ConfigSyncConverter implements CommandLine.ITypeConverter<ConfigSync> {
    @Override
    public ConfigSync convert(String value) {
      try {
        return ConfigSync.parse("--config-sync", value);
      } catch (InvalidInputException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
  // ---- end of --config-sync ----

  // ---- typed, validated views ----------------------------------------------------------------

  public AgentId agentId() {
    if (agentId != null && !agentId.isBlank()) {
      return new AgentId(Validation.name("--agent-id", agentId));
    }
    try {
      String host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.-]", "-");
      return new AgentId(host.length() > 64 ? host.substring(0, 64) : host);
    } catch (UnknownHostException e) {
      throw new InvalidInputException("--agent-id", "is required: the host name cannot be determined");
    }
  }

  public InetSocketAddress grpcListen() {
    return hostPort("--grpc-listen", grpcListen, true);
  }

  public InetSocketAddress metricsListen() {
    return hostPort("--metrics-listen", metricsListen, true);
  }

  /** What to publish: the flag, or host name plus the port actually bound. */
  public String advertiseAddress(int boundGrpcPort) {
    if (advertiseAddress != null && !advertiseAddress.isBlank()) {
      InetSocketAddress a = hostPort("--advertise-address", advertiseAddress, false);
      return a.getHostString() + ":" + a.getPort();
    }
    try {
      return InetAddress.getLocalHost().getHostName() + ":" + boundGrpcPort;
    } catch (UnknownHostException e) {
      throw new InvalidInputException("--advertise-address", "is required: the host name cannot be determined");
    }
  }

  public Path dataDir() {
    return dataDir;
  }

  public HaproxyMode haproxyMode() {
    return haproxyMode;
  }

  public Path haproxyBin() {
    return haproxyBin;
  }

  public Path haproxyRunDir() {
    return haproxyRunDir;
  }

  public Duration hardStopAfter() {
    if (hardStopAfter.toSeconds() < 1) {
      throw new InvalidInputException("--hard-stop-after", "must be at least 1s, got " + Durations.format(hardStopAfter));
    }
    return Duration.ofSeconds(hardStopAfter.toSeconds());
  }

  /** attach mode: the socket and config paths, all required. */
  public Path required(String flag, Path value) {
    if (value == null) {
      throw new InvalidInputException(flag, "is required with --haproxy-mode attach");
    }
    return value;
  }

  public Path statsSocket() {
    return required("--stats-socket", statsSocket);
  }

  public Path masterSocket() {
    return required("--master-socket", masterSocket);
  }

  public Path haproxyBaseConfig() {
    return required("--haproxy-base-config", haproxyBaseConfig);
  }

  public Path haproxyZddConfig() {
    return required("--haproxy-zdd-config", haproxyZddConfig);
  }

  public Optional<Path> serverStateFile() {
    return Optional.ofNullable(serverStateFile);
  }

  public String frontendBindAddress() {
    return frontendBindAddress;
  }

  public PortRange frontendPortRange() {
    try {
      return PortRange.parse(frontendPortRange);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--frontend-port-range", e.getMessage());
    }
  }

  /** The Marathon-LB groups, each a valid name or {@code *}. */
  public List<String> lbGroups() {
    List<String> out = new ArrayList<>();
    for (String g : lbGroups == null ? List.<String>of() : lbGroups) {
      String name = g.strip();
      out.add(name.equals("*") ? name : Validation.name("--lb-group", name));
    }
    if (out.isEmpty()) {
      throw new InvalidInputException("--lb-group", "needs at least one Marathon-LB group ('*' for every group)");
    }
    return List.copyOf(out);
  }

  /** ZooKeeper client properties for TLS, when --zk-tls is given (it needs the TLS files). */
  public Map<String, String> zkTlsProperties() {
    if (!zkTls) {
      return Map.of();
    }
    TlsConfig t = tls().orElseThrow(() -> new InvalidInputException("--zk-tls", "needs --tls-ca, --tls-cert and --tls-key"));
    try {
      return io.zdd.common.tls.ZkTls.clientProperties(t);
    } catch (IOException e) {
      throw new InvalidInputException("--zk-tls", "cannot prepare the ZooKeeper TLS identity: " + e.getMessage());
    }
  }

  public Optional<String> zkConnect() {
    return Optional.ofNullable(zkConnect).filter(s -> !s.isBlank());
  }

  /** user:password read from --zk-digest-file, if given; never logged. */
  public Optional<String> zkDigest() {
    return Optional.ofNullable(zkDigestFile).map(f -> CredentialsFile.userPassword("--zk-digest-file", f));
  }

  public String zkRoot() {
    if (zkRoot == null || !zkRoot.startsWith("/") || zkRoot.length() > 1 && zkRoot.endsWith("/")) {
      throw new InvalidInputException("--zk-root", "must be an absolute path without a trailing slash, got " + zkRoot);
    }
    return zkRoot;
  }

  public Duration zkSessionTimeout() {
    if (zkSessionTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new InvalidInputException("--zk-session-timeout", "must be at least 1s, got " + Durations.format(zkSessionTimeout));
    }
    return zkSessionTimeout;
  }

  public Optional<String> iptablesNetns() {
    return netns("--iptables-netns", iptablesNetns);
  }

  public Optional<String> frontendNetns() {
    return netns("--frontend-netns", frontendNetns);
  }

  private static Optional<String> netns(String flag, String value) {
    return Optional.ofNullable(value).filter(s -> !s.isBlank()).map(n -> Validation.netns(flag, n));
  }

  /** Programs are called by absolute path, never looked up in a PATH. */
  public String iptablesRestore() {
    return absolute("--iptables-restore", iptablesRestore);
  }

  public String iptablesSave() {
    return absolute("--iptables-save", iptablesSave);
  }

  private static String absolute(String flag, String program) {
    if (program == null || !program.startsWith("/") || !program.matches("[A-Za-z0-9_./-]+")) {
      throw new InvalidInputException(flag, "must be an absolute path of [A-Za-z0-9_./-], got '" + program + "'");
    }
    return program;
  }

  public Duration sampleInterval() {
    if (sampleInterval.compareTo(Duration.ofMillis(50)) < 0) {
      throw new InvalidInputException("--sample-interval", "must be at least 50ms, got " + Durations.format(sampleInterval));
    }
    return sampleInterval;
  }

  public Duration heartbeat() {
    if (heartbeat.compareTo(sampleInterval) < 0) {
      throw new InvalidInputException("--heartbeat", "must be at least --sample-interval, got " + Durations.format(heartbeat));
    }
    return heartbeat;
  }

  /** The shared connection reading's idle pace and hot window ({@code --idle-sample-interval}, {@code --sample-hot-window}). */
  public SamplingPace samplingPace() {
    if (idleSampleInterval.isNegative()) {
      throw new InvalidInputException("--idle-sample-interval", "must not be negative, got "
          + Durations.format(idleSampleInterval));
    }
    if (sampleHotWindow.isNegative()) {
      throw new InvalidInputException("--sample-hot-window", "must not be negative, got "
          + Durations.format(sampleHotWindow));
    }
    return new SamplingPace(idleSampleInterval, sampleHotWindow);
  }

  public ReloadDetection reloadDetection() {
    return reloadDetection;
  }

  /** The gRPC server's threads, message size and per-connection call limits. */
  public GrpcServerLimits grpcLimits() {
    return new GrpcServerLimits(AgentMain.GRPC_THREADS, GrpcServerLimits.maxMessageBytes(maxMessageSize),
        GrpcServerLimits.maxConcurrentCalls(maxConcurrentCalls));
  }

  /** --max-groups, --max-servers-per-backend and --max-streams. */
  public LbAgentService.Limits limits() {
    return new LbAgentService.Limits(maxGroups, maxServersPerBackend, maxStreams);
  }

  public Duration shutdownGrace() {
    return shutdownGrace;
  }

  /** The TLS settings; empty only with --insecure. */
  public Optional<TlsConfig> tls() {
    return tls.resolve();
  }

  /** Validates everything up front, so a bad flag stops the agent before it touches anything. */
  public void validate() {
    agentId();
    grpcListen();
    metricsListen();
    lbGroups();
    frontendPortRange();
    zkRoot();
    zkSessionTimeout();
    iptablesNetns();
    frontendNetns();
    iptablesRestore();
    iptablesSave();
    sampleInterval();
    heartbeat();
    samplingPace();
    grpcLimits();
    limits();
    shutdownGrace();
    if (haproxyMode == HaproxyMode.supervise) {
      hardStopAfter();
    } else {
      statsSocket();
      masterSocket();
      haproxyBaseConfig();
      haproxyZddConfig();
    }
    if (dataDir == null) {
      throw new InvalidInputException("--data-dir", "is required");
    }
    tls();
  }

  static InetSocketAddress hostPort(String flag, String value, boolean allowPortZero) {
    if (value == null || value.isBlank()) {
      throw new InvalidInputException(flag, "is required (host:port)");
    }
    int colon = value.lastIndexOf(':');
    if (colon <= 0) {
      throw new InvalidInputException(flag, "must be host:port, got '" + value + "'");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new InvalidInputException(flag, "port must be a number, got '" + value + "'");
    }
    if (!(allowPortZero && port == 0)) {
      Validation.port(flag, port);
    }
    // Listen addresses are bound, so resolve them; an advertised one is only published.
    return allowPortZero ? new InetSocketAddress(host, port) : InetSocketAddress.createUnresolved(host, port);
  }
}
