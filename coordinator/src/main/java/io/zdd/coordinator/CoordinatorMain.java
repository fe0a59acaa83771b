package io.zdd.coordinator;

import io.zdd.common.config.ByteSizes;
import io.zdd.common.config.Durations;
import io.zdd.common.grpc.GrpcServerLimits;
import io.zdd.common.config.CredentialsFile;
import io.zdd.common.tls.TlsConfig;
import io.zdd.common.tls.TlsOptions;
import io.zdd.coordinator.engine.analysis.AnalysisFile;
import io.zdd.coordinator.engine.hook.ProcessPreKillHook;
import io.zdd.coordinator.marathon.HttpMarathonClient;
import io.zdd.coordinator.marathon.MarathonAuth;
import io.zdd.coordinator.marathon.MarathonAuths;
import io.zdd.coordinator.marathon.MarathonClientConfig;
import io.zdd.coordinator.security.OperatorRoles;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code zdd coordinator}: runs one coordinator until SIGTERM. */
@Command(name = "zdd coordinator", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Runs a zdd coordinator. Three run per cluster; ZooKeeper elects one leader, which drives",
        "Marathon and the lb-agents. Standbys answer reads and point writers at the leader.",
        "Every option can also be set with the environment variable shown in brackets."},
    defaultValueProvider = CommandLine.PropertiesDefaultProvider.class)
public final class CoordinatorMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorMain.class);

  @Mixin TlsOptions tls = new TlsOptions();

  @Option(names = "--listen", defaultValue = "${env:ZDD_COORDINATOR_LISTEN:-127.0.0.1:7100}",
      description = "Admin gRPC listen address host:port; loopback unless set (0.0.0.0:7100 for every interface) "
          + "[ZDD_COORDINATOR_LISTEN] (default: ${DEFAULT-VALUE})")
  String listen;

  @Option(names = "--advertise", defaultValue = "${env:ZDD_COORDINATOR_ADVERTISE:-}",
      description = "host:port other processes use to reach this coordinator; also its leader-election id "
          + "[ZDD_COORDINATOR_ADVERTISE] (default: the host name and the listen port)")
  String advertise;

  @Option(names = "--metrics-listen", defaultValue = "${env:ZDD_COORDINATOR_METRICS_LISTEN:-127.0.0.1:7101}",
      description = "Prometheus /metrics listen address host:port, or 'off' [ZDD_COORDINATOR_METRICS_LISTEN] (default: ${DEFAULT-VALUE})")
  String metricsListen;

  @Option(names = "--dashboard", negatable = true, defaultValue = "${env:ZDD_DASHBOARD:-true}", fallbackValue = "true",
      description = "Serve the web dashboard on the metrics port (reads need no login: keep that port for operators; "
          + "controls need a 'zdd dashboard' login link) [ZDD_DASHBOARD] (default: ${DEFAULT-VALUE})")
  boolean dashboard;

  @Option(names = "--dashboard-url", defaultValue = "${env:ZDD_DASHBOARD_URL:-}",
      description = "Base URL operators open the dashboard at, named in login links; https:// (a TLS proxy in front) "
          + "makes its cookies Secure [ZDD_DASHBOARD_URL] (default: http://<metrics host>:<port>/)")
  String dashboardUrl;

  @Option(names = "--zk", defaultValue = "${env:ZDD_ZK:-127.0.0.1:2181}",
      description = "ZooKeeper connect string [ZDD_ZK] (default: ${DEFAULT-VALUE})")
  String zk;

  @Option(names = "--zk-root", defaultValue = "${env:ZDD_ZK_ROOT:-/zdd}",
      description = "ZooKeeper root path of zdd's state [ZDD_ZK_ROOT] (default: ${DEFAULT-VALUE})")
  String zkRoot;

  @Option(names = "--zk-session-timeout", defaultValue = "${env:ZDD_ZK_SESSION_TIMEOUT:-15s}",
      converter = Durations.Converter.class,
      description = "ZooKeeper session timeout [ZDD_ZK_SESSION_TIMEOUT] (default: ${DEFAULT-VALUE})")
  Duration zkSessionTimeout;

  @Option(names = "--zk-digest-file", defaultValue = "${env:ZDD_ZK_DIGEST_FILE:-}",
      description = "File whose first line is user:password of the coordinators' ZooKeeper digest identity; "
          + "zdd's znodes are then the coordinators' alone, except what agents need (needs --zk-agent-digest-file) "
          + "[ZDD_ZK_DIGEST_FILE]")
  String zkDigestFile;

  @Option(names = "--zk-agent-digest-file", defaultValue = "${env:ZDD_ZK_AGENT_DIGEST_FILE:-}",
      description = "File whose first line is user:password of the agents' shared ZooKeeper identity (the agents' "
          + "--zk-digest-file): it may read the leader epoch and create registrations [ZDD_ZK_AGENT_DIGEST_FILE]")
  String zkAgentDigestFile;

  @Option(names = "--zk-tls", defaultValue = "${env:ZDD_ZK_TLS:-false}",
      description = "Talk to ZooKeeper over TLS with this coordinator's certificate (--tls-*); the ZooKeeper servers "
          + "need a secure client port with certificates of the same CA [ZDD_ZK_TLS]")
  boolean zkTls;

  @Option(names = "--max-zk-disconnected", defaultValue = "${env:ZDD_MAX_ZK_DISCONNECTED:-60s}",
      converter = Durations.Converter.class,
      description = "Exit when ZooKeeper stays unreachable this long [ZDD_MAX_ZK_DISCONNECTED] (default: ${DEFAULT-VALUE})")
  Duration maxZkDisconnected;

  @Option(names = {"--marathon", "-m"}, required = true, defaultValue = "${env:ZDD_MARATHON:-}",
      description = "Marathon base URL, https:// unless --insecure-marathon, e.g. https://marathon.mesos:8443 [ZDD_MARATHON]")
  String marathon;

  @Option(names = "--auth-credentials", defaultValue = "${env:ZDD_MARATHON_AUTH:-}",
      description = "Marathon HTTP basic auth user:password, from the environment only [ZDD_MARATHON_AUTH]: on the "
          + "command line it is refused (every user of the host could read it); never logged")
  String authCredentials;

  @Option(names = "--insecure-marathon", defaultValue = "${env:ZDD_INSECURE_MARATHON:-false}",
      description = "Allow http:// for Marathon and the DC/OS login endpoint (credentials and app definitions then "
          + "travel in the clear) [ZDD_INSECURE_MARATHON]")
  boolean insecureMarathon;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--marathon-auth-credential-file", defaultValue = "${env:ZDD_MARATHON_AUTH_FILE:-}",
      description = "File whose first line is user:password for Marathon [ZDD_MARATHON_AUTH_FILE]")
  String authFile;

  @Option(names = "--dcos-auth-credentials", defaultValue = "${env:DCOS_SERVICE_ACCOUNT_CREDENTIAL_FILE:-}",
      description = "DC/OS service-account JSON file (uid, private_key, login_endpoint) [DCOS_SERVICE_ACCOUNT_CREDENTIAL_FILE]")
  String dcosFile;

  @Option(names = "--agents", defaultValue = "${env:ZDD_AGENTS:-}",
      description = "Static agent list id=host:port,... instead of discovery in ZooKeeper [ZDD_AGENTS]")
  String agents;

  @Option(names = "--agent-deadline", defaultValue = "${env:ZDD_AGENT_DEADLINE:-5s}",
      converter = Durations.Converter.class,
      description = "Deadline of every unary call to an agent [ZDD_AGENT_DEADLINE] (default: ${DEFAULT-VALUE})")
  Duration agentDeadline;

  @Option(names = "--sample-interval", defaultValue = "${env:ZDD_SAMPLE_INTERVAL:-250ms}",
      converter = Durations.Converter.class,
      description = "Connection-count sampling interval asked of agents [ZDD_SAMPLE_INTERVAL] (default: ${DEFAULT-VALUE})")
  Duration sampleInterval;

  @Option(names = "--roles-file", defaultValue = "${env:ZDD_ROLES_FILE:-}",
      description = "JSON file mapping operator certificate names to viewer, deployer (with group and app-id "
          + "patterns) or admin; without it every operator certificate is an admin [ZDD_ROLES_FILE]")
  String rolesFile;

  @Option(names = "--hook", paramLabel = "NAME=/absolute/path",
      description = "Declares a pre-kill hook deployments may name (--pre-kill-hook NAME); repeatable. The file must "
          + "be executable and writable only by its owner. Hooks get a scrubbed environment and their input on stdin.")
  List<String> hooks = new ArrayList<>();

  @Option(names = "--analysis-file", defaultValue = "${env:ZDD_ANALYSIS_FILE:-}",
      description = "JSON file of canary analysis templates (checks, limits, webhooks) deployments name with --analysis "
          + "or the ZDD_ANALYSIS_TEMPLATE label, and notification webhooks for every phase change; read at start, "
          + "refused whole when any field is wrong [ZDD_ANALYSIS_FILE]")
  String analysisFile;

  @Option(names = "--prometheus-url", defaultValue = "${env:ZDD_PROMETHEUS_URL:-}",
      description = "Base URL of the Prometheus whose HTTP API PromQL checks query, e.g. http://prometheus:9090; without "
          + "it PromQL checks are inconclusive [ZDD_PROMETHEUS_URL]")
  String prometheusUrl;

  @Option(names = "--prometheus-timeout", defaultValue = "${env:ZDD_PROMETHEUS_TIMEOUT:-5s}",
      converter = Durations.Converter.class,
      description = "Deadline of one PromQL query, retries included [ZDD_PROMETHEUS_TIMEOUT] (default: 5s)")
  Duration prometheusTimeout;

  @Option(names = "--prometheus-bearer-token-file", defaultValue = "${env:ZDD_PROMETHEUS_BEARER_TOKEN_FILE:-}",
      description = "File holding a bearer token sent to Prometheus (never logged) [ZDD_PROMETHEUS_BEARER_TOKEN_FILE]")
  String prometheusTokenFile;

  @Option(names = "--webhook-secret-file", defaultValue = "${env:ZDD_WEBHOOK_SECRET_FILE:-}",
      description = "File holding the secret every webhook body is signed with (HMAC-SHA256, header X-Zdd-Signature; "
          + "docs/security.md); without it webhooks are not signed [ZDD_WEBHOOK_SECRET_FILE]")
  String webhookSecretFile;

  @Option(names = "--history-limit", defaultValue = "${env:ZDD_HISTORY_LIMIT:-50}",
      description = "Finished deployments kept per group [ZDD_HISTORY_LIMIT] (default: ${DEFAULT-VALUE})")
  int historyLimit;

  @Option(names = "--max-message-size", defaultValue = "${env:ZDD_COORDINATOR_MAX_MESSAGE_SIZE:-4MiB}",
      converter = ByteSizes.Converter.class,
      description = "Largest gRPC message the admin API reads (64KiB..64MiB); a bigger one is refused with "
          + "RESOURCE_EXHAUSTED before anything acts on it [ZDD_COORDINATOR_MAX_MESSAGE_SIZE] (default: 4MiB)")
  int maxMessageSize;

  @Option(names = "--max-concurrent-calls", defaultValue = "${env:ZDD_COORDINATOR_MAX_CONCURRENT_CALLS:-100}",
      description = "Admin gRPC calls one connection may have open at once (1..10000); a client opening more waits "
          + "for a slot [ZDD_COORDINATOR_MAX_CONCURRENT_CALLS] (default: ${DEFAULT-VALUE})")
  int maxConcurrentCalls;

  @Option(names = "--max-marathon-reply", defaultValue = "${env:ZDD_MAX_MARATHON_REPLY:-16MiB}",
      converter = ByteSizes.Converter.class,
      description = "Largest Marathon reply body read (64KiB..1GiB), and largest event of its event stream; a bigger "
          + "reply fails the call as Marathon being unavailable, a bigger event reconnects the stream "
          + "[ZDD_MAX_MARATHON_REPLY] (default: 16MiB)")
  int maxMarathonReply;

  @Option(names = "--max-sse-line", defaultValue = "${env:ZDD_MAX_SSE_LINE:-1MiB}",
      converter = ByteSizes.Converter.class,
      description = "Longest line of Marathon's event stream, in characters (4KiB..256MiB, at most "
          + "--max-marathon-reply); a longer one ends the stream, which reconnects [ZDD_MAX_SSE_LINE] (default: 1MiB)")
  int maxSseLine;

  /** The bounds from the --max-* flags, each checked against its range. */
  Coordinator.Limits limits() {
    MarathonClientConfig.checkLimits(maxMarathonReply, maxSseLine);
    return new Coordinator.Limits(GrpcServerLimits.maxMessageBytes(maxMessageSize),
        GrpcServerLimits.maxConcurrentCalls(maxConcurrentCalls), maxMarathonReply, maxSseLine);
  }

  @Override
  public Integer call() throws Exception {
    Optional<TlsConfig> tlsConfig = tls.resolve();
    Coordinator.Limits limits = limits();
    Map<String, Path> declaredHooks = ProcessPreKillHook.parse(hooks);
    InetSocketAddress grpc = parse("--listen", listen);
    String adv = advertise.isEmpty() ? InetAddress.getLocalHost().getHostName() + ":" + grpc.getPort() : advertise;
    Optional<InetSocketAddress> metrics = metricsListen.equals("off") ? Optional.empty()
        : Optional.of(parse("--metrics-listen", metricsListen));
    if (spec != null && spec.commandLine().getParseResult() != null
        && spec.commandLine().getParseResult().hasMatchedOption("--auth-credentials")) {
      throw new io.zdd.common.error.InvalidInputException("--auth-credentials", "credentials on the command line "
          + "are visible to every user of the host; set ZDD_MARATHON_AUTH or use --marathon-auth-credential-file");
    }
    URI marathonUri = URI.create(marathon);
    requireHttps("--marathon", marathonUri);
    MarathonClientConfig mcfg = MarathonClientConfig.defaults(marathonUri);
    MarathonAuth auth = MarathonAuths.fromFlags(opt(authCredentials), opt(authFile).map(Path::of), opt(dcosFile).map(Path::of),
        HttpMarathonClient.newHttpClient(mcfg), Duration.ofSeconds(10), Clock.systemUTC(),
        login -> requireHttps("--dcos-auth-credentials login_endpoint", login));
    Optional<String> digest = opt(zkDigestFile).map(f -> CredentialsFile.userPassword("--zk-digest-file", Path.of(f)));
    Optional<String> agentDigest = opt(zkAgentDigestFile).map(f -> CredentialsFile.userPassword("--zk-agent-digest-file", Path.of(f)));
    if (digest.isPresent() != agentDigest.isPresent()) {
      throw new io.zdd.common.error.InvalidInputException("--zk-agent-digest-file",
          "give it together with --zk-digest-file (both identities are needed for ZooKeeper ACLs)");
    }
    Map<String, String> zkTlsProperties = Map.of();
    if (zkTls) {
      zkTlsProperties = io.zdd.common.tls.ZkTls.clientProperties(tlsConfig.orElseThrow(() ->
          new io.zdd.common.error.InvalidInputException("--zk-tls", "needs --tls-ca, --tls-cert and --tls-key")));
    }
    Optional<Coordinator.ZkCredentials> zkCredentials = digest.map(d -> new Coordinator.ZkCredentials(d, agentDigest.get()));
    OperatorRoles roles = rolesFile.isBlank() ? OperatorRoles.everyOperatorIsAdmin() : OperatorRoles.load(Path.of(rolesFile));
    CountDownLatch stop = new CountDownLatch(1);
    Coordinator c = new Coordinator(new Coordinator.Config(adv, grpc, metrics, zk, zkRoot, zkSessionTimeout, zkCredentials,
        URI.create(marathon), auth, opt(agents), agentDeadline, sampleInterval, maxZkDisconnected, historyLimit,
        reason -> {
          log.error("stopping: {}", reason);
          Runtime.getRuntime().halt(3);
        }, tlsConfig, roles, declaredHooks, zkTlsProperties, limits, dashboardSettings(), analysisSettings()));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      c.close();
      stop.countDown();
    }, "shutdown"));
    c.start();
    log.info("coordinator {} running", adv);
    stop.await();
    return 0;
  }

  private Coordinator.AnalysisSettings analysisSettings() throws IOException {
    AnalysisFile file = AnalysisFile.EMPTY;
    if (!analysisFile.isBlank()) {
      Path p = Path.of(analysisFile);
      if (Files.size(p) > AnalysisFile.MAX_BYTES) {
        throw new io.zdd.common.error.InvalidInputException("--analysis-file", "is larger than " + AnalysisFile.MAX_BYTES + " bytes");
      }
      file = AnalysisFile.parse(Files.readString(p, StandardCharsets.UTF_8));
      log.info("analysis templates {} and {} notification webhook(s) from {}", new TreeSet<>(file.templates().keySet()),
          file.notifications().size(), p);
    }
    Optional<URI> prometheus = opt(prometheusUrl).map(URI::create);
    prometheus.ifPresent(u -> {
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null || u.getUserInfo() != null) {
        throw new io.zdd.common.error.InvalidInputException("--prometheus-url", "must be an http(s) URL without credentials "
            + "(use --prometheus-bearer-token-file), got " + u.getScheme() + "://" + u.getHost());
      }
    });
    return new Coordinator.AnalysisSettings(file, prometheus, prometheusTimeout, opt(prometheusTokenFile).map(Path::of),
        opt(webhookSecretFile).map(Path::of));
  }

  private Coordinator.DashboardSettings dashboardSettings() {
    Optional<URI> url = opt(dashboardUrl).map(URI::create);
    url.ifPresent(u -> {
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        throw new io.zdd.common.error.InvalidInputException("--dashboard-url", "expected an http:// or https:// URL");
      }
    });
    return new Coordinator.DashboardSettings(dashboard, url);
  }

  /** Credentials and app definitions travel to Marathon: https unless --insecure-marathon. */
  private void requireHttps(String what, URI uri) {
    if (!"https".equalsIgnoreCase(uri.getScheme()) && !insecureMarathon) {
      throw new io.zdd.common.error.InvalidInputException(what, "must be an https:// URL (got " + uri.getScheme()
          + "://); --insecure-marathon allows plain http");
    }
    if (!"https".equalsIgnoreCase(uri.getScheme())) {
      log.warn("{} is {}: Marathon traffic (credentials, app definitions) is not encrypted (--insecure-marathon)", what, uri);
    }
  }



  private static Optional<String> opt(String s) {
    return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
  }

  static InetSocketAddress parse(String flag, String hostPort) {
    int i = hostPort.lastIndexOf(':');
    if (i <= 0) {
      throw new IllegalArgumentException(flag + ": expected host:port, got '" + hostPort + "'");
    }
    return new InetSocketAddress(hostPort.substring(0, i), Integer.parseInt(hostPort.substring(i + 1)));
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The parser, with a bad setting reported as exit code 2 naming the flag. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new CoordinatorMain());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof io.zdd.common.error.InvalidInputException) {
        cmd.getErr().println("zdd coordinator: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    return cl;
  }
}
