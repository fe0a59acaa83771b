package io.zdd.agent;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zdd.agent.exec.ProcessCommandRunner;
import io.zdd.agent.firewall.IptablesCommands;
import io.zdd.agent.firewall.NetAdminCapability;
import io.zdd.agent.firewall.PortSwapper;
import io.zdd.agent.grpc.AgentCallPolicy;
import io.zdd.agent.grpc.LbAgentService;
import io.zdd.agent.grpc.SharedConnectionSampling;
import io.zdd.agent.haproxy.BaseConfig;
import io.zdd.agent.haproxy.ControllerSettings;
import io.zdd.agent.haproxy.HaproxyBackendController;
import io.zdd.agent.haproxy.HaproxyConfigApplier;
import io.zdd.agent.haproxy.HaproxyConfigRenderer;
import io.zdd.agent.haproxy.HaproxyConnectionSampler;
import io.zdd.agent.haproxy.HaproxyPaths;
import io.zdd.agent.haproxy.HaproxyProcess;
import io.zdd.agent.haproxy.HaproxyRuntimeClient;
import io.zdd.agent.haproxy.ReloadWatcher;
import io.zdd.agent.metrics.AgentMetrics;
import io.zdd.agent.metrics.MeteredBackendController;
import io.zdd.agent.registry.AgentRegistration;
import io.zdd.agent.registry.AgentZkAcls;
import io.zdd.agent.state.EpochCeiling;
import io.zdd.agent.state.EpochStore;
import io.zdd.agent.state.ZkEpochCeiling;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.lifecycle.LifecycleGroup;
import io.zdd.common.logging.LogContext;
import io.zdd.common.metrics.MetricsEndpoint;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.RegisteredAgent;
import io.zdd.common.tls.GrpcSecurity;
import io.zdd.common.tls.SpiffeId;
import io.zdd.proto.v1.LbAgentGrpc;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import io.zdd.common.zk.ZkClients;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine;

/** The lb-agent process: flags → {@link Running}, which wires and runs everything until stopped. */
@Command(name = "zdd-lb-agent", mixinStandardHelpOptions = true, sortOptions = false,
    version = "zdd lb-agent 0.1.0",
    description = {
        "The agent beside one HAProxy: applies backend sets through the runtime API (reloading only when a "
            + "frontend or backend changes), swaps public ports with iptables, and streams connection counts "
            + "to the zdd coordinator over gRPC.",
        "Every flag can also be given as an environment variable (named after each flag); the flag wins."})
public final class AgentMain implements Callable<Integer> {
  /** Threads that run gRPC calls; more concurrent calls queue (each apply waits on its group's lock). */
  static final int GRPC_THREADS = 32;
  private static final Logger log = LoggerFactory.getLogger(AgentMain.class);
  /**
   * With /proc reload detection, the longest time without a full master CLI poll: well within
   * the 5 s /healthz allows, so a master that stops answering still fails it.
   */
  static final Duration RELOAD_BACKSTOP = Duration.ofSeconds(2);

  @Mixin final AgentConfig config = new AgentConfig();

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The parser, with errors of the typed accessors reported like picocli's own. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new AgentMain());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof InvalidInputException) {
        cmd.getErr().println("zdd-lb-agent: " + e.getMessage());
        cmd.usage(cmd.getErr());
        return 2;
      }
      throw e;
    });
    return cl;
  }

  @Override
  public Integer call() throws Exception {
    config.validate();
    Running running = Running.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      stopped.countDown();
    }, "agent-shutdown"));
    stopped.await();
    return 0;
  }

  /**
   * One running agent. Started in dependency order through a {@link LifecycleGroup}, so it stops
   * in the reverse order: health NOT_SERVING → pollers (registration
   * refresh, reload watcher) and the ZooKeeper registration → WatchConnections streams → gRPC
   * server (graceful, then forced) → metrics endpoint → HAProxy (only if supervised) → executors
   * → ZooKeeper client last.
   */
  public static final class Running implements AutoCloseable {
    private final LifecycleGroup life;
    private final AgentId agentId;
    private Server grpcServer;
    private MetricsEndpoint metricsEndpoint;
    private HealthStatusManager health;
    private AgentRegistration registration;
    private HaproxyProcess haproxy;

    private Running(AgentId agentId) {
      this.agentId = agentId;
      this.life = new LifecycleGroup("lb-agent " + agentId);
    }

    public static Running start(AgentConfig c) throws Exception {
      c.validate();
      Running r = new Running(c.agentId());
      try (LogContext ctx = LogContext.agent(r.agentId.value())) {
        r.startAll(c);
      } catch (Exception e) {
        // A failure between two starts (an identity check, a config error) stops what started too.
        r.life.stop();
        throw e;
      }
      return r;
    }

    /** An agent serves only under its own identity: a certificate for another agent or role is a mistake. */
    private void requireOwnIdentity(SpiffeId self) {
      if (self.role() != SpiffeId.Role.AGENT || !self.name().equals(agentId.value())) {
        throw new InvalidInputException("--tls-cert", "identity " + self + " is not this agent's ("
            + "spiffe://" + self.trustDomain() + "/agent/" + agentId.value() + ")");
      }
    }

    private void startAll(AgentConfig c) throws Exception {
      Clock clock = Clock.systemUTC();
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);

      Optional<CuratorFramework> curator = c.zkConnect().isEmpty() ? Optional.empty() : Optional.of(life.start(
          "zookeeper client", () -> {
            CuratorFrameworkFactory.Builder zb = ZkClients.builder(c.zkConnect().get(), c.zkSessionTimeout(),
                c.zkTlsProperties());
            // Digest auth: the agents' shared identity plus one of its own (AgentZkAcls).
            c.zkDigest().ifPresent(digest -> new AgentZkAcls(c.zkRoot(), c.agentId().value()).applyTo(zb, digest));
            CuratorFramework cf = zb.build();
            cf.start();
            return cf;
          }, CuratorFramework::close));

      ScheduledExecutorService scheduler = life.start("executors",
          () -> Executors.newScheduledThreadPool(2, new NamedThreadFactory("agent-scheduler")),
          s -> {
            s.shutdownNow();
            if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
              log.warn("agent scheduler threads did not end within 5 s");
            }
          });

      haproxy = life.start("haproxy (" + c.haproxyMode() + ")", () -> startHaproxy(c), HaproxyProcess::close);
      Optional<Path> stateFile = c.haproxyMode() == AgentConfig.HaproxyMode.supervise
          ? Optional.of(BaseConfig.defaults(c.haproxyRunDir()).serverStateFile())
          : c.serverStateFile();
      ProcessCommandRunner runner = new ProcessCommandRunner();
      HaproxyConfigApplier applier = new HaproxyConfigApplier(haproxy.paths(), runner, haproxy.masterCli(),
          haproxy.runtime(), stateFile, Duration.ofSeconds(10), Duration.ofSeconds(10), haproxy::recentOutput);
      // Stopped after the gRPC server (started later, so stopped earlier): the last change's
      // background write of zdd.cfg is flushed once no call can make another.
      HaproxyBackendController controller = life.start("haproxy backend controller", () ->
          new HaproxyBackendController(haproxy.runtime(), haproxy.masterCli(),
              applier, new HaproxyConfigRenderer(c.frontendBindAddress(), c.frontendNetns(), 3),
              ControllerSettings.defaults().withFrontendPorts(c.frontendPortRange()).withConfigSync(c.configSync()),
              clock), HaproxyBackendController::close);
      HaproxyConnectionSampler sampler = new HaproxyConnectionSampler(haproxy.runtime(), haproxy.masterCli());

      EpochCeiling ceiling = curator.<EpochCeiling>map(cf -> new ZkEpochCeiling(cf, c.zkRoot() + "/epoch",
          Duration.ofSeconds(2))).orElse(EpochCeiling.NONE);
      if (curator.isEmpty()) {
        log.warn("no --zk-connect: epochs cannot be checked against the cluster's leader epoch; any coordinator "
            + "certificate can raise this agent's fence");
      }
      EpochStore epochs = EpochStore.open(c.dataDir(), ceiling);
      // zdd.cfg is written before an apply's epoch is committed: after a crash in between, the
      // file holds the newer (epoch, version).
      controller.appliedVersions().forEach((g, v) -> epochs.recover(g, v.epoch(), v.version()));
      PortSwapper portSwapper = life.start("port swapper", () -> {
        PortSwapper p = new PortSwapper(runner,
            IptablesCommands.of(c.iptablesRestore(), c.iptablesSave(), c.iptablesNetns()), c.dataDir(),
            NetAdminCapability.ofThisProcess());
        p.start(); // re-applies the persisted redirects
        return p;
      }, p -> { });

      // ---- idle cost: one shared connection reading, paced; the reload watcher's detection ----
      SharedConnectionSampling sampling = new SharedConnectionSampling(sampler, scheduler, clock, c.samplingPace(),
          controller::desired);
      // A scrape reuses the shared reading while streams keep it this fresh (they read at least
      // every idle interval), and reads HAProxy itself only when none does.
      Duration scrapeMaxAge = max(c.samplingPace().idleInterval(), c.sampleInterval()).plusSeconds(1);
      ReloadWatcher.Detection reloadDetection = c.reloadDetection() == AgentConfig.ReloadDetection.poll
          ? ReloadWatcher.Detection.POLL : ReloadWatcher.Detection.PROCFS;
      // ---- end of idle cost ----
      AgentMetrics metrics = new AgentMetrics(registry, epochs::highest);
      AtomicReference<ReloadWatcher> watcher = new AtomicReference<>();
      metricsEndpoint = life.start("metrics endpoint", () -> {
        MetricsEndpoint m = new MetricsEndpoint(registry, c.metricsListen());
        m.route("/metrics", () -> {
          refreshConnectionGauges(metrics, sampling, scrapeMaxAge);
          return registry.scrape();
        });
        // Healthy when HAProxy's master answered the reload watcher within 5 s (503 with why otherwise).
        m.route("/healthz", () -> {
          ReloadWatcher w = watcher.get();
          if (w == null) {
            throw new io.zdd.common.error.UnavailableException("starting");
          }
          w.problem(Duration.ofSeconds(5)).ifPresent(p -> {
            throw new io.zdd.common.error.UnavailableException(p);
          });
          return "ok\n";
        });
        m.start();
        return m;
      }, MetricsEndpoint::close);

      LbAgentService service = new LbAgentService(agentId, epochs, new MeteredBackendController(controller, metrics),
          portSwapper, controller::shutdownSessions,
          new LbAgentService.StreamSettings(c.sampleInterval(), Duration.ofMillis(50), c.heartbeat()), c.limits(),
          sampling);
      health = new HealthStatusManager();
      // Not serving until everything below has started.
      health.setStatus("", ServingStatus.NOT_SERVING);
      health.setStatus(LbAgentGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
      Duration grace = c.shutdownGrace();
      GrpcSecurity security = life.start("tls", () -> GrpcSecurity.open(c.tls(), "lb-agent " + agentId),
          GrpcSecurity::close);
      security.tls().ifPresent(t -> requireOwnIdentity(t.self()));
      grpcServer = life.start("grpc server", () -> security.server(c.grpcListen(), "agent", c.grpcLimits())
          // Authentication runs first (the last interceptor listed), so a refused call is not even counted as served.
          .addService(ServerInterceptors.intercept(service, new MetricCollectingServerInterceptor(registry),
              security.authentication(new AgentCallPolicy())))
          .addService(health.getHealthService())
          // The coordinator keeps WatchConnections streams open for long; let it ping them.
          .permitKeepAliveTime(10, TimeUnit.SECONDS)
          .permitKeepAliveWithoutCalls(true)
          .build()
          .start(), s -> {
            s.shutdown();
            if (!s.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
              log.warn("gRPC calls still running after {}; cutting them", grace);
              s.shutdownNow();
              s.awaitTermination(5, TimeUnit.SECONDS);
            }
          });
      log.info("gRPC listening on {}", grpcServer.getListenSockets());

      life.start("watch streams", () -> service, LbAgentService::closeStreams);
      life.start("reload watcher", () -> {
        ReloadWatcher w = new ReloadWatcher(haproxy.masterCli(), controller, sampler, scheduler, Duration.ofMillis(250),
            reloadDetection, RELOAD_BACKSTOP, Path.of("/proc"));
        w.start();
        watcher.set(w);
        return w;
      }, ReloadWatcher::close);

      if (curator.isPresent()) {
        String advertised = c.advertiseAddress(grpcPort());
        RegisteredAgent info = new RegisteredAgent(agentId.value(), advertised, safeVersion(controller), c.lbGroups(),
            groupsOf(controller));
        registration = life.start("zookeeper registration", () -> {
          AgentRegistration reg = new AgentRegistration(curator.get(), c.zkRoot(), info, Duration.ofSeconds(10),
              c.zkDigest().isPresent());
          reg.start();
          return reg;
        }, AgentRegistration::close);
        AgentRegistration reg = registration;
        life.start("registration refresh", () -> scheduler.scheduleWithFixedDelay(() -> {
          try {
            reg.update(reg.info().withGroups(groupsOf(controller)).withHaproxyVersion(safeVersion(controller)));
          } catch (RuntimeException e) {
            log.debug("registration refresh skipped: {}", e.toString());
          }
        }, 5, 5, TimeUnit.SECONDS), (ScheduledFuture<?> f) -> f.cancel(false));
      }

      life.start("health", () -> {
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(LbAgentGrpc.SERVICE_NAME, ServingStatus.SERVING);
        return health;
      }, HealthStatusManager::enterTerminalState);
      log.info("lb-agent {} ready: gRPC port {}, metrics port {}, HAProxy {}, serving Marathon-LB groups {}", agentId,
          grpcPort(), metricsPort(), safeVersion(controller), c.lbGroups());
    }

    private static HaproxyProcess startHaproxy(AgentConfig c) {
      if (c.haproxyMode() == AgentConfig.HaproxyMode.supervise) {
        BaseConfig base = BaseConfig.defaults(c.haproxyRunDir()).withHardStopAfter(c.hardStopAfter());
        return HaproxyProcess.start(c.haproxyBin(), c.haproxyRunDir(), base, Duration.ofSeconds(15));
      }
      HaproxyProcess p = HaproxyProcess.attach(new HaproxyPaths(c.haproxyBin(), c.haproxyBaseConfig(),
          c.haproxyZddConfig(), c.statsSocket(), c.masterSocket()), HaproxyRuntimeClient.DEFAULT_TIMEOUT);
      p.awaitReady(Duration.ofSeconds(15));
      return p;
    }

    private static void refreshConnectionGauges(AgentMetrics metrics, SharedConnectionSampling sampling,
        Duration maxAge) {
      try {
        metrics.refresh(sampling.counts(maxAge));
      } catch (RuntimeException e) {
        // A scrape must still answer while HAProxy reloads; the gauges keep their last values.
        log.debug("connection gauges not refreshed: {}", e.toString());
      }
    }

    private static Duration max(Duration a, Duration b) {
      return a.compareTo(b) >= 0 ? a : b;
    }

    private static List<String> groupsOf(HaproxyBackendController controller) {
      return controller.desired().keySet().stream().map(GroupName::value).toList();
    }

    private static String safeVersion(HaproxyBackendController controller) {
      try {
        return controller.haproxyVersion();
      } catch (RuntimeException e) {
        return "";
      }
    }

    public AgentId agentId() {
      return agentId;
    }

    public int grpcPort() {
      return ((InetSocketAddress) grpcServer.getListenSockets().get(0)).getPort();
    }

    public int metricsPort() {
      return metricsEndpoint.port();
    }

    /** The supervised HAProxy master's pid (empty when attached). */
    public Optional<Long> haproxyMasterPid() {
      return haproxy.masterPid();
    }

    public Optional<String> registrationPath() {
      return Optional.ofNullable(registration).map(AgentRegistration::path);
    }

    /** Components started, in start order (for tests of the wiring). */
    public List<String> components() {
      return life.startedNames();
    }

    /** Stops everything in reverse start order; safe to call twice. */
    @Override
    public void close() {
      try (LogContext ctx = LogContext.agent(agentId.value())) {
        log.info("lb-agent {} stopping", agentId);
        life.stop();
        log.info("lb-agent {} stopped", agentId);
      }
    }
  }
}
