package io.zdd.coordinator;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zdd.common.concurrent.Backoff;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.grpc.GrpcServerLimits;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.lifecycle.LifecycleGroup;
import io.zdd.common.metrics.MetricsEndpoint;
import io.zdd.common.model.Epoch;
import io.zdd.common.tls.GrpcSecurity;
import io.zdd.common.tls.SpiffeId;
import io.zdd.common.tls.TlsConfig;
import io.zdd.coordinator.admin.AdminService;
import io.zdd.coordinator.admin.DeploymentQueries;
import io.zdd.coordinator.admin.OperatorControls;
import io.zdd.coordinator.dashboard.Dashboard;
import io.zdd.coordinator.dashboard.DashboardLogins;
import io.zdd.coordinator.engine.DeploymentEngine;
import io.zdd.coordinator.engine.EnginePorts;
import io.zdd.coordinator.engine.SteadyStateReconciler;
import io.zdd.coordinator.engine.hook.ProcessPreKillHook;
import io.zdd.coordinator.engine.analysis.AnalysisFile;
import io.zdd.coordinator.engine.analysis.AnalysisPorts;
import io.zdd.coordinator.engine.port.MetricQueryPort;
import io.zdd.coordinator.engine.port.Sleeper;
import io.zdd.coordinator.engine.probe.HttpPendingOperationsProbe;
import io.zdd.coordinator.prometheus.HttpPrometheusClient;
import io.zdd.coordinator.service.PhaseNotification;
import io.zdd.coordinator.webhook.HttpWebhookClient;
import io.zdd.coordinator.webhook.SlackMessage;
import io.zdd.coordinator.fleet.AgentDirectory;
import io.zdd.coordinator.fleet.AgentFleet;
import io.zdd.coordinator.fleet.FleetPortAdapter;
import io.zdd.coordinator.fleet.StaticAgentDirectory;
import io.zdd.coordinator.fleet.ZkAgentDirectory;
import io.zdd.coordinator.ha.LeadershipManager;
import io.zdd.coordinator.marathon.DnsHostAddressResolver;
import io.zdd.coordinator.marathon.HttpMarathonClient;
import io.zdd.coordinator.marathon.MarathonAuth;
import io.zdd.coordinator.marathon.MarathonClientConfig;
import io.zdd.coordinator.marathon.MarathonEventStream;
import io.zdd.coordinator.marathon.MarathonPortAdapter;
import io.zdd.coordinator.marathon.TaskAddressResolver;
import io.zdd.coordinator.security.AuditTrail;
import io.zdd.coordinator.security.OperatorRoles;
import io.zdd.coordinator.service.CoordinatorMetrics;
import io.zdd.coordinator.service.DeploymentSupervisor;
import io.zdd.coordinator.service.EventLog;
import io.zdd.coordinator.zk.ZkAcls;
import io.zdd.coordinator.zk.ZkDeploymentStore;
import io.zdd.coordinator.zk.ZkPaths;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import io.zdd.common.zk.ZkClients;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One coordinator process, wired by hand (no DI framework). Several can run in one JVM (the
 * local cluster): each has its own ports, ZooKeeper session, threads and state, so stopping one
 * behaves like killing a process.
 *
 * <p>Start order, through a {@link LifecycleGroup}: executors → TLS → metrics → ZooKeeper → agent
 * fleet → admin gRPC server → leader election. Stop order is the reverse: leadership is released
 * first, so no leader work runs while the rest shuts down; ZooKeeper closes after the fleet, the
 * metrics endpoint after ZooKeeper, and the executors last.
 */
public final class Coordinator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

  /**
   * @param advertise host:port other processes reach this coordinator's admin API at
   * @param zkCredentials ZooKeeper digest identities of coordinators and agents (ACLs on); empty for none
   * @param staticAgents {@code id=host:port,…}; empty to discover agents in ZooKeeper
   * @param abort called when ZooKeeper stays unreachable too long (the process should exit)
   * @param tls mutual TLS for the admin API and the calls to agents; empty only with --insecure
   * @param roles what each operator certificate may do on the admin API
   * @param hooks declared pre-kill hooks, by name
   * @param zkTls ZooKeeper client TLS properties; empty for a plain connection
   */
  public record Config(
      String advertise,
      InetSocketAddress grpcListen,
      Optional<InetSocketAddress> metricsListen,
      String zkConnect,
      String zkRoot,
      Duration zkSessionTimeout,
      Optional<ZkCredentials> zkCredentials,
      URI marathon,
      MarathonAuth marathonAuth,
      Optional<String> staticAgents,
      Duration agentCallDeadline,
      Duration sampleInterval,
      Duration maxZkDisconnected,
      int historyLimit,
      Consumer<String> abort,
      Optional<TlsConfig> tls,
      OperatorRoles roles,
      Map<String, Path> hooks,
      Map<String, String> zkTls,
      Limits limits,
      DashboardSettings dashboard,
      AnalysisSettings analysis) {
    public Config {
      analysis = analysis == null ? AnalysisSettings.NONE : analysis;
    }

    /** Without canary analysis settings: no templates, no Prometheus, unsigned webhooks. */
    public Config(String advertise, InetSocketAddress grpcListen, Optional<InetSocketAddress> metricsListen,
        String zkConnect, String zkRoot, Duration zkSessionTimeout, Optional<ZkCredentials> zkCredentials, URI marathon,
        MarathonAuth marathonAuth, Optional<String> staticAgents, Duration agentCallDeadline, Duration sampleInterval,
        Duration maxZkDisconnected, int historyLimit, Consumer<String> abort, Optional<TlsConfig> tls,
        OperatorRoles roles, Map<String, Path> hooks, Map<String, String> zkTls, Limits limits, DashboardSettings dashboard) {
      this(advertise, grpcListen, metricsListen, zkConnect, zkRoot, zkSessionTimeout, zkCredentials, marathon,
          marathonAuth, staticAgents, agentCallDeadline, sampleInterval, maxZkDisconnected, historyLimit, abort, tls,
          roles, hooks, zkTls, limits, dashboard, AnalysisSettings.NONE);
    }

    /** Without dashboard settings: the dashboard on, at the metrics address. */
    public Config(String advertise, InetSocketAddress grpcListen, Optional<InetSocketAddress> metricsListen,
        String zkConnect, String zkRoot, Duration zkSessionTimeout, Optional<ZkCredentials> zkCredentials, URI marathon,
        MarathonAuth marathonAuth, Optional<String> staticAgents, Duration agentCallDeadline, Duration sampleInterval,
        Duration maxZkDisconnected, int historyLimit, Consumer<String> abort, Optional<TlsConfig> tls,
        OperatorRoles roles, Map<String, Path> hooks, Map<String, String> zkTls, Limits limits) {
      this(advertise, grpcListen, metricsListen, zkConnect, zkRoot, zkSessionTimeout, zkCredentials, marathon,
          marathonAuth, staticAgents, agentCallDeadline, sampleInterval, maxZkDisconnected, historyLimit, abort, tls,
          roles, hooks, zkTls, limits, DashboardSettings.DEFAULTS, AnalysisSettings.NONE);
    }
  }

  /**
   * Canary analysis (docs/operations.md §2.2): the operators' templates and notification webhooks,
   * the Prometheus that PromQL checks ask, and the secret that signs every webhook body.
   *
   * @param prometheus base URL of Prometheus's HTTP API; empty: PromQL checks are inconclusive
   * @param prometheusTokenFile a bearer token for Prometheus, read from this file (never logged)
   * @param webhookSecretFile the HMAC secret webhook bodies are signed with; empty: unsigned
   */
  public record AnalysisSettings(AnalysisFile file, Optional<URI> prometheus, Duration prometheusTimeout,
      Optional<Path> prometheusTokenFile, Optional<Path> webhookSecretFile) {
    public static final AnalysisSettings NONE = new AnalysisSettings(AnalysisFile.EMPTY, Optional.empty(), Duration.ofSeconds(5),
        Optional.empty(), Optional.empty());
  }

  /**
   * The web dashboard on the metrics port.
   *
   * @param url the base URL operators open it at (login links name it; https makes cookies
   *     {@code Secure}); empty: {@code http://<metrics host>:<port>/}
   */
  public record DashboardSettings(boolean enabled, Optional<URI> url) {
    public static final DashboardSettings DEFAULTS = new DashboardSettings(true, Optional.empty());
  }

  /** The bounds of what peers may make a coordinator hold (docs/operations.md §2.2). */
  public record Limits(int maxMessageBytes, int maxConcurrentCalls, int maxMarathonReply, int maxSseLine) {
    public static final Limits DEFAULTS =
        new Limits(GrpcServerLimits.DEFAULT_MAX_MESSAGE_BYTES, GrpcServerLimits.DEFAULT_MAX_CONCURRENT_CALLS,
            MarathonClientConfig.DEFAULT_MAX_REPLY_BYTES, MarathonClientConfig.DEFAULT_MAX_SSE_LINE);

    /** The admin server's limits (16 threads: admin calls are few and short; watches wait on a queue). */
    GrpcServerLimits adminServer() {
      return new GrpcServerLimits(16, maxMessageBytes, maxConcurrentCalls);
    }
  }

  /** {@code user:password} of the coordinators' and of the agents' ZooKeeper identities; never logged. */
  public record ZkCredentials(String coordinator, String agents) {
    @Override
    public String toString() {
      return "ZkCredentials[redacted]";
    }
  }

  private final Config config;
  private final Clock clock = Clock.systemUTC();
  private final LifecycleGroup lifecycle;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HealthStatusManager health = new HealthStatusManager();
  private final EventLog events = new EventLog();
  private final AtomicReference<DeploymentSupervisor> term = new AtomicReference<>();
  private final AtomicReference<Dashboard> dashboard = new AtomicReference<>();
  private CuratorFramework curator;
  private AgentFleet fleet;
  private LeadershipManager leadership;
  private Server server;
  private MetricsEndpoint metrics;
  private ScheduledExecutorService scheduler;
  private ExecutorService agentCalls;
  private GrpcSecurity security;

  public Coordinator(Config config) {
    this.config = config;
    this.lifecycle = new LifecycleGroup("coordinator " + config.advertise());
  }

  /** Starts every component in order; if any part fails, what already started stops again. */
  public void start() throws Exception {
    try {
      startAll();
    } catch (Exception e) {
      // A failure between two starts (an identity check, a client that cannot be built) stops
      // what started too, as a failed start does.
      lifecycle.stop();
      throw e;
    }
  }

  private void startAll() throws Exception {
    ZkPaths paths = new ZkPaths(config.zkRoot());
    scheduler = lifecycle.start("scheduler",
        () -> Executors.newScheduledThreadPool(2, new NamedThreadFactory("coord-sched")),
        ExecutorService::shutdownNow);
    agentCalls = lifecycle.start("agent calls",
        () -> Executors.newCachedThreadPool(new NamedThreadFactory("coord-agent-call")),
        ExecutorService::shutdownNow);
    security = lifecycle.start("tls", () -> GrpcSecurity.open(config.tls(), "coordinator " + config.advertise()),
        GrpcSecurity::close);
    security.tls().ifPresent(t -> {
      if (t.self().role() != SpiffeId.Role.COORDINATOR) {
        throw new InvalidInputException("--tls-cert", "identity " + t.self() + " is not a coordinator's");
      }
    });
    if (!config.roles().fromFile()) {
      log.warn("no --roles-file: every operator certificate of the cluster CA may deploy and control any group");
    }

    if (config.metricsListen().isPresent()) {
      metrics = lifecycle.start("metrics endpoint", () -> {
        MetricsEndpoint m = new MetricsEndpoint(registry, config.metricsListen().get()).route("/healthz", () -> "ok\n");
        if (config.dashboard().enabled()) {
          // Served from the start; answers 503 until the parts it shows have started.
          m.otherwise(Dashboard.handlers(dashboard));
        }
        m.start();
        return m;
      }, MetricsEndpoint::close);
    }

    curator = lifecycle.start("zookeeper client", () -> {
      CuratorFramework cf = newCurator();
      try {
        connect(cf, paths);
      } catch (Exception e) {
        // Not started as far as the group knows, so closed here: a client left retrying would outlive the failure.
        cf.close();
        throw e;
      }
      return cf;
    }, CuratorFramework::close);

    AgentDirectory directory = config.staticAgents().isPresent()
        ? StaticAgentDirectory.parse(config.staticAgents().get())
        : new ZkAgentDirectory(curator, paths.root());
    fleet = lifecycle.start("agent fleet", () -> {
      AgentFleet f = new AgentFleet(directory,
          // An agent must prove the identity it registered under: a node pointing at another host
          // (or another agent) cannot pass for it.
          e -> security.channel(e.host(), e.port(),
                  id -> id.role() == SpiffeId.Role.AGENT && id.name().equals(e.id().value()), "agent " + e.id())
              .keepAliveTime(30, TimeUnit.SECONDS).build(),
          config.agentCallDeadline(),
          WatchConnectionsRequest.newBuilder().setIntervalMs((int) config.sampleInterval().toMillis()).build(),
          scheduler, Backoff::standard, clock, sample -> {
            // A drain finishes as soon as the stream shows it, not at the next step delay.
            DeploymentSupervisor leading = term.get();
            if (leading != null) {
              leading.onSample(sample);
            }
          });
      if (directory instanceof ZkAgentDirectory z) {
        z.start();
      }
      f.start();
      return f;
    }, f -> {
      f.close();
      directory.close();
    });

    ZkDeploymentStore store = new ZkDeploymentStore(curator, paths, config.historyLimit());
    MarathonClientConfig mcfg = MarathonClientConfig.defaults(config.marathon())
        .withLimits(config.limits().maxMarathonReply(), config.limits().maxSseLine());
    HttpMarathonClient marathon = new HttpMarathonClient(mcfg, HttpMarathonClient.newHttpClient(mcfg),
        config.marathonAuth(), registry, clock);
    MarathonPortAdapter marathonPort = new MarathonPortAdapter(marathon,
        new TaskAddressResolver(DnsHostAddressResolver.system(agentCalls, clock)));
    FleetPortAdapter fleetPort = new FleetPortAdapter(fleet, clock, registry);
    HttpPendingOperationsProbe probe = new HttpPendingOperationsProbe(Duration.ofSeconds(2));
    ProcessPreKillHook hook = new ProcessPreKillHook(config.hooks(), Duration.ofMinutes(2));

    HttpWebhookClient webhooks = lifecycle.start("webhook client",
        () -> new HttpWebhookClient(config.analysis().webhookSecretFile(), clock), HttpWebhookClient::close);
    MetricQueryPort prometheus = config.analysis().prometheus().<MetricQueryPort>map(u -> new HttpPrometheusClient(u,
        config.analysis().prometheusTimeout(), config.analysis().prometheusTokenFile())).orElse(MetricQueryPort.none());
    AnalysisPorts analysis = new AnalysisPorts(config.analysis().file(), prometheus, webhooks);
    List<URI> notifications = config.analysis().file().notifications();
    if (!notifications.isEmpty()) {
      events.addListener(e -> PhaseNotification.of(e).ifPresent(text -> notifications.forEach(u ->
          webhooks.notify(u, SlackMessage.of(text)))));
    }

    CoordinatorMetrics coordinatorMetrics = new CoordinatorMetrics(registry, () -> term.get() != null,
        () -> Optional.ofNullable(term.get()).map(t -> t.epoch().value()).orElse(0L), fleet);
    events.addListener(coordinatorMetrics::onEvent);

    // Built before the admin API (which answers with the leader's address) but started after it.
    leadership = new LeadershipManager(curator, paths, config.advertise(), epoch -> {
      EnginePorts ports = new EnginePorts(marathonPort, fleetPort, store, probe, hook, events, clock, () -> epoch, analysis);
      DeploymentSupervisor s = new DeploymentSupervisor(epoch, new DeploymentEngine(ports, () -> UUID.randomUUID().toString()));
      // Between deployments: follow Marathon (events, plus a periodic pass in case one is missed)
      // and push new backend sets when a live app's tasks change.
      SteadyStateReconciler steady = new SteadyStateReconciler(ports, store::groups);
      MarathonEventStream marathonEvents = new MarathonEventStream(mcfg, HttpMarathonClient.newHttpClient(mcfg),
          config.marathonAuth(), List.of("status_update_event", "health_status_changed_event"),
          e -> {
            // A running deployment waiting on one of its apps (green turning healthy) moves now,
            // not at its next step delay; between deployments the reconciler follows the change.
            s.onMarathonEvent(e);
            scheduler.execute(() -> s.betweenDeployments(steady::reconcileAll));
          }, Backoff.standard(),
          Sleeper.real(), new NamedThreadFactory("marathon-events-e" + epoch.value()));
      ScheduledFuture<?> steadyPass = null;
      try {
        s.resumeAll(store.groups());
        steadyPass = scheduler.scheduleWithFixedDelay(() -> s.betweenDeployments(steady::reconcileAll), 1, 2,
            TimeUnit.SECONDS);
        marathonEvents.start();
      } catch (RuntimeException e) {
        // A term that cannot open completely leaves nothing running behind it.
        if (steadyPass != null) {
          steadyPass.cancel(true);
        }
        marathonEvents.close();
        s.close();
        throw e;
      }
      // Published last: the admin API sees a term only once all of it runs.
      term.set(s);
      ScheduledFuture<?> pass = steadyPass;
      return new io.zdd.coordinator.ha.LeaderTerm() {
        @Override
        public Epoch epoch() {
          return epoch;
        }

        @Override
        public void close() {
          term.compareAndSet(s, null);
          marathonEvents.close();
          pass.cancel(true);
          s.close();
        }
      };
    }, scheduler, config.maxZkDisconnected(), config.abort());

    AuditTrail audit = new AuditTrail(events, clock);
    DeploymentQueries queries = new DeploymentQueries(() -> Optional.ofNullable(term.get()), store, events);
    OperatorControls controls = new OperatorControls(() -> Optional.ofNullable(term.get()), leadership::leaderAddress,
        config.roles(), audit);
    DashboardLogins logins = new DashboardLogins(curator, config.zkRoot(), this::dashboardUrl, clock);
    if (metrics != null && config.dashboard().enabled()) {
      dashboard.set(lifecycle.start("dashboard", () -> new Dashboard(queries, controls, logins, fleet, marathonPort, audit,
          leadership::leaderAddress, () -> term.get() != null, config.advertise(),
          dashboardUrl().map(u -> u.startsWith("https:")).orElse(false), clock), d -> {
            dashboard.set(null);
            d.close();
          }));
      log.info("dashboard at {}", dashboardUrl().orElse(""));
    }
    AdminService admin = new AdminService(leadership::leaderAddress, queries, controls, fleet, audit, logins);
    server = lifecycle.start("admin gRPC server", () -> {
      Server s = security.server(config.grpcListen(), "admin", config.limits().adminServer())
          // Authentication first (listed last), so a refused call never reaches the service.
          .addService(ServerInterceptors.intercept(admin, new MetricCollectingServerInterceptor(registry),
              security.authentication(config.roles())))
          .addService(health.getHealthService())
          .build()
          .start();
      health.setStatus("", ServingStatus.SERVING);
      log.info("admin API listening on {}", s.getListenSockets());
      return s;
    }, s -> {
      health.enterTerminalState();
      s.shutdown();
      if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
        s.shutdownNow();
      }
    });
    lifecycle.start("leader election", () -> {
      leadership.start();
      return leadership;
    }, LeadershipManager::close);
  }

  /** Connects and prepares the node agents register under (with ACLs they may not create it). */
  private void connect(CuratorFramework cf, ZkPaths paths) throws Exception {
    cf.start();
    if (!cf.blockUntilConnected((int) config.zkSessionTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("cannot reach ZooKeeper at " + config.zkConnect()
          + " within " + config.zkSessionTimeout().toSeconds() + " s");
    }
    try {
      cf.create().creatingParentsIfNeeded().forPath(paths.agents());
    } catch (KeeperException.NodeExistsException exists) {
      // Prepared by an earlier coordinator.
    }
  }

  private CuratorFramework newCurator() {
    CuratorFrameworkFactory.Builder b = ZkClients.builder(config.zkConnect(), config.zkSessionTimeout(), config.zkTls());
    config.zkCredentials().ifPresent(z -> new ZkAcls(new ZkPaths(config.zkRoot()), z.coordinator(), z.agents())
        .applyTo(b, z.coordinator()));
    return b.build();
  }

  /** The port the admin API is bound to (useful with port 0). */
  public int adminPort() {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  public Optional<Integer> metricsPort() {
    return Optional.ofNullable(metrics).map(MetricsEndpoint::port);
  }

  /** The dashboard's base URL, when this coordinator serves one. */
  public Optional<String> dashboardUrl() {
    if (metrics == null || !config.dashboard().enabled()) {
      return Optional.empty();
    }
    if (config.dashboard().url().isPresent()) {
      String u = config.dashboard().url().get().toString();
      return Optional.of(u.endsWith("/") ? u : u + "/");
    }
    InetSocketAddress bound = config.metricsListen().orElseThrow();
    String host = bound.getAddress() != null && bound.getAddress().isAnyLocalAddress()
        ? config.advertise().substring(0, config.advertise().lastIndexOf(':')) : bound.getHostString();
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return Optional.of("http://" + host + ":" + metrics.port() + "/");
  }

  public boolean isLeader() {
    return term.get() != null;
  }

  public Optional<Epoch> epoch() {
    return Optional.ofNullable(term.get()).map(DeploymentSupervisor::epoch);
  }

  public EventLog events() {
    return events;
  }

  public String advertise() {
    return config.advertise();
  }

  /** Stops everything, leadership first. Idempotent. */
  @Override
  public void close() {
    lifecycle.stop();
  }

}
