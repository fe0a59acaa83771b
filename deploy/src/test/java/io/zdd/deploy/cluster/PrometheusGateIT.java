package io.zdd.deploy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.cli.ExitCodes;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Outcome;
import io.zdd.coordinator.engine.analysis.AnalysisFile;
import io.zdd.coordinator.engine.analysis.AnalysisState;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PromQL gates against a real Prometheus (Debian's package) scraping the demo app's tasks, found
 * as Marathon's service discovery would find them (each task labelled with its app id, here
 * through a file the test keeps up to date from the local scheduler). A v4 answering a fifth of
 * its requests with 500 fails a gate on its error ratio and is rolled back by itself; a gate on a
 * metric nobody exports finds no series, which is inconclusive: the deployment pauses rather than
 * passes, and an operator's abort rolls it back.
 */
class PrometheusGateIT {
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final int SERVICE_PORT = 10280;
  private static final int ALT_PORT = 10281;
  private static final String ERROR_RATIO = "sum(rate(zdd_demo_http_responses_total{app=\\\"{{app}}\\\",code=\\\"500\\\"}[20s]))"
      + " / sum(rate(zdd_demo_http_responses_total{app=\\\"{{app}}\\\"}[20s]))";
  private static final String NO_DATA = "sum(rate(zdd_nobody_exports_this_total{app=\\\"{{app}}\\\"}[20s]))";
  private static final String TEMPLATES = """
      {"templates": [
        {"name": "errors", "interval": "4s", "count": 2, "failureLimit": 0, "inconclusiveLimit": 3,
         "checks": [{"name": "green-error-ratio", "prometheus": {"max": 0.05, "query": "%s"}}]},
        {"name": "no-data", "interval": "4s", "count": 2, "inconclusiveLimit": 0,
         "checks": [{"name": "nothing", "prometheus": {"max": 1, "query": "%s"}}]}]}
      """.formatted(ERROR_RATIO, NO_DATA);

  @TempDir static Path work;
  static LocalCluster cluster;
  static Process prometheus;
  static final ScheduledExecutorService discovery = Executors.newSingleThreadScheduledExecutor();

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(PROMETHEUS), "needs Debian's prometheus (bin/test installs it)");
    int port = FreePorts.next();
    Path targets = work.resolve("targets.json");
    Files.writeString(targets, "[]");
    Path config = work.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: demo-app",
        "    file_sd_configs:",
        "      - files: ['" + targets + "']",
        "        refresh_interval: 1s",
        ""));
    prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
        "--storage.tsdb.path=" + work.resolve("prometheus-data"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(work.resolve("prometheus.log").toFile()).start();
    cluster = new LocalCluster(new LocalCluster.Options(2, 1, work.resolve("cluster"), Duration.ofSeconds(6), false))
        .withAnalysis(new Coordinator.AnalysisSettings(AnalysisFile.parse(TEMPLATES),
            Optional.of(URI.create("http://127.0.0.1:" + port)), Duration.ofSeconds(3), Optional.empty(), Optional.empty()));
    ClusterCli.started(cluster, 2);
    var unused = discovery.scheduleWithFixedDelay(() -> writeTargets(targets), 0, 500, TimeUnit.MILLISECONDS);
  }

  /** Every running task as a scrape target labelled with its Marathon app id, written atomically. */
  private static void writeTargets(Path file) {
    try {
      JsonNode tasks = cluster.marathon().listTasks(Set.of()).get("tasks");
      ObjectMapper m = new ObjectMapper();
      ArrayNode groups = m.createArrayNode();
      for (JsonNode t : tasks) {
        if (t.path("ports").size() > 0) {
          var g = groups.addObject();
          g.putArray("targets").add(t.path("host").asText() + ":" + t.path("ports").get(0).asInt());
          g.putObject("labels").put("app", t.path("appId").asText());
        }
      }
      Path tmp = file.resolveSibling("targets.tmp");
      Files.writeString(tmp, groups.toString(), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (Exception e) {
      // The next pass writes them again.
    }
  }

  @AfterAll
  static void stop() {
    discovery.shutdownNow();
    if (cluster != null) {
      cluster.close();
    }
    if (prometheus != null) {
      prometheus.destroyForcibly();
    }
  }

  private static ClusterCli cli(String... args) {
    return ClusterCli.run(cluster, args);
  }

  private static Path app(String version, Map<String, String> env) throws Exception {
    Path f = work.resolve("prom-" + version + ".json");
    Files.writeString(f, DemoAppDefinition.json("promgate", SERVICE_PORT, ALT_PORT, version, 2, 100,
        System.getProperty("java.class.path"), env, Map.of()));
    return f;
  }

  @Test
  void aPromQlGateFailsABadVersion_andAGateWithoutDataPausesRatherThanPasses() throws Exception {
    Coordinator leader = cluster.leader().orElseThrow().coordinator().orElseThrow();
    List<DeploymentEvent> events = new CopyOnWriteArrayList<>();
    leader.events().addListener(events::add);
    ClusterCli first = cli("deploy", app("v1", Map.of()).toString(), "--json", "--step-delay", "0.5");
    assertThat(first.exit()).as(first.err() + first.out()).isZero();
    List<LoadGenerator.Target> lbs = cluster.lbAddresses().stream().map(a -> new LoadGenerator.Target(a, SERVICE_PORT)).toList();
    await().atMost(Duration.ofSeconds(30)).until(() -> LoadGenerator.everyTargetAnswers(lbs));

    try (LoadGenerator load = new LoadGenerator(lbs, 2, 200, "/")) {
      load.start();
      ClusterCli bad = cli("deploy", app("v4", Map.of("ZDD_DEMO_ERROR_RATE", "0.2")).toString(), "--json", "--step-delay", "0.5",
          "--health-timeout", "120", "--traffic", "10,50,100", "--analysis", "errors");
      assertThat(bad.exit()).as(bad.err() + bad.out()).isEqualTo(ExitCodes.ROLLED_BACK);
      // The listener hears the event on the event log's thread, maybe after the CLI's stream did.
      await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e.kind() == EventKind.FINISHED
          && e.deployment().outcome() == Outcome.ROLLED_BACK));
      DeploymentEvent finished = events.stream().filter(e -> e.kind() == EventKind.FINISHED
          && e.deployment().outcome() == Outcome.ROLLED_BACK).findFirst().orElseThrow();
      assertThat(finished.deployment().rollback().reason()).contains("analysis failed at step 1")
          .contains("green-error-ratio");
      assertThat(events).anyMatch(e -> e.kind() == EventKind.ANALYSIS && e.deployment().id().equals(finished.deployment().id())
          && e.analysis().stream().anyMatch(r -> r.check().equals("green-error-ratio") && r.value() > 0.05));

      ClusterCli noData = cli("deploy", app("v5", Map.of()).toString(), "--json", "--detach", "--step-delay", "0.5",
          "--health-timeout", "120", "--traffic", "10,50,100", "--analysis", "no-data");
      assertThat(noData.exit()).as(noData.err() + noData.out()).isZero();
      await().atMost(Duration.ofSeconds(120)).until(() -> events.stream().anyMatch(e -> e.kind() == EventKind.WARNING
          && e.message().startsWith("paused: analysis inconclusive")));
      DeploymentEvent paused = events.stream().filter(e -> e.kind() == EventKind.WARNING
          && e.message().startsWith("paused: analysis inconclusive")).findFirst().orElseThrow();
      assertThat(paused.message()).contains("no values found");
      assertThat(paused.deployment().paused()).isTrue();
      assertThat(paused.deployment().analysis().result()).isEqualTo(AnalysisState.Result.INCONCLUSIVE);
      assertThat(paused.deployment().traffic().step()).as("never past the first step").isZero();
      ClusterCli abort = cli("abort", paused.deployment().id());
      assertThat(abort.exit()).as(abort.err()).isZero();
      await().atMost(Duration.ofSeconds(120)).until(() -> events.stream().anyMatch(e -> e.kind() == EventKind.FINISHED
          && e.deployment().id().equals(paused.deployment().id()) && e.deployment().outcome() == Outcome.ROLLED_BACK));
      LoadGenerator.Stats s = load.stop();
      assertThat(s.failedByVersion().keySet()).as(s.failureSamples().toString()).allMatch(k -> k.startsWith("v4/"));
    }
  }
}
