package io.zdd.deploy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.cli.ExitCodes;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Outcome;
import io.zdd.coordinator.engine.analysis.CheckResult;
import io.zdd.coordinator.engine.analysis.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Canary analysis end to end: one coordinator, two real lb-agents with their HAProxies, the local
 * scheduler running real demo-app processes, load through both LBs. A v4 answering 20 % of its
 * requests with 500 is deployed as {@code --traffic 10,50,100} gated by an LB-observed 5xx rule
 * (labels): zdd rolls it back by itself at the 10 % step, within two analysis intervals, and the
 * only failed requests are the ones v4 answered itself (the load generator attributes each
 * failure to the instance that answered it); blue loses none. A good v5 then passes every gate.
 */
class CanaryAnalysisIT {
  private static final int SERVICE_PORT = 10180;
  private static final int ALT_PORT = 10181;
  private static final Duration INTERVAL = Duration.ofSeconds(3);
  private static final Map<String, String> GATE = Map.of("ZDD_ANALYSIS_MAX_5XX_RATIO", "0.01",
      "ZDD_ANALYSIS_MIN_REQUESTS", "20", "ZDD_ANALYSIS_INTERVAL", "3s", "ZDD_ANALYSIS_COUNT", "2");

  @TempDir static Path work;
  static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new LocalCluster(new LocalCluster.Options(2, 1, work.resolve("cluster"), Duration.ofSeconds(6), false));
    ClusterCli.started(cluster, 2);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static ClusterCli cli(String... args) {
    return ClusterCli.run(cluster, args);
  }

  private static Path app(String version, Map<String, String> env, Map<String, String> labels) throws Exception {
    Path f = work.resolve("web-" + version + ".json");
    Files.writeString(f, DemoAppDefinition.json("canary", SERVICE_PORT, ALT_PORT, version, 3, 100,
        System.getProperty("java.class.path"), env, labels));
    return f;
  }

  @Test
  void aBadCanaryIsRolledBackByItself_losingOnlyWhatItAnswered_andAGoodOnePassesEveryGate() throws Exception {
    Coordinator leader = cluster.leader().orElseThrow().coordinator().orElseThrow();
    List<DeploymentEvent> events = new CopyOnWriteArrayList<>();
    leader.events().addListener(events::add);
    ClusterCli first = cli("deploy", app("v1", Map.of(), Map.of()).toString(), "--json", "--step-delay", "0.5");
    assertThat(first.exit()).as(first.err() + first.out()).isZero();

    List<LoadGenerator.Target> lbs = cluster.lbAddresses().stream().map(a -> new LoadGenerator.Target(a, SERVICE_PORT)).toList();
    await().atMost(Duration.ofSeconds(30)).until(() -> LoadGenerator.everyTargetAnswers(lbs));
    LoadGenerator.Stats bad;
    try (LoadGenerator load = new LoadGenerator(lbs, 2, 300, "/")) {
      load.start();
      ClusterCli v4 = cli("deploy", app("v4", Map.of("ZDD_DEMO_ERROR_RATE", "0.2"), GATE).toString(), "--json",
          "--step-delay", "0.5", "--health-timeout", "120", "--traffic", "10,50,100");
      bad = load.stop();
      assertThat(v4.exit()).as(v4.err() + v4.out()).isEqualTo(ExitCodes.ROLLED_BACK);
    }
    // The listener hears the event on the event log's thread, maybe after the CLI's stream did.
    await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e.kind() == EventKind.FINISHED
        && e.deployment().outcome() == Outcome.ROLLED_BACK));
    DeploymentEvent finished = events.stream().filter(e -> e.kind() == EventKind.FINISHED
        && e.deployment().outcome() == Outcome.ROLLED_BACK).findFirst().orElseThrow();
    assertThat(finished.deployment().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(finished.deployment().rollback().reason()).contains("analysis failed at step 1").contains("5xx");

    // At the 10 % step, within two analysis intervals of the step being applied on every LB.
    String v4Id = finished.deployment().id();
    List<DeploymentEvent> v4Events = events.stream().filter(e -> e.deployment().id().equals(v4Id)).toList();
    DeploymentEvent shifted = v4Events.stream().filter(e -> e.kind() == EventKind.TRAFFIC_SHIFTED
        && e.message().contains("requested 10%")).findFirst().orElseThrow();
    DeploymentEvent failed = v4Events.stream().filter(e -> e.kind() == EventKind.ANALYSIS && e.message().contains("failed"))
        .findFirst().orElseThrow();
    assertThat(Duration.between(shifted.at(), failed.at())).isLessThanOrEqualTo(INTERVAL.multipliedBy(2));
    assertThat(v4Events).noneMatch(e -> e.kind() == EventKind.TRAFFIC_SHIFTED && e.message().contains("requested 50%"));
    assertThat(failed.analysis()).filteredOn(r -> r.lb().equals(CheckResult.ALL_LBS)).singleElement()
        .satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.FAIL));

    // The only failures are answers of v4 itself, a fifth of what it answered; blue lost none.
    assertThat(bad.failedByVersion().keySet()).as("failures by who answered: " + bad.failureSamples())
        .allMatch(k -> k.startsWith("v4/"));
    long v4Answers = bad.failed() + bad.byVersion().entrySet().stream().filter(e -> e.getKey().startsWith("v4/"))
        .mapToLong(Map.Entry::getValue).sum();
    assertThat(bad.failed()).isPositive().isBetween(v4Answers / 5 - 2, v4Answers / 5 + 2);
    assertThat(bad.byVersion().keySet()).anyMatch(k -> k.startsWith("v1/"));

    try (LoadGenerator load = new LoadGenerator(lbs, 2, 300, "/")) {
      load.start();
      ClusterCli v5 = cli("deploy", app("v5", Map.of(), GATE).toString(), "--json", "--step-delay", "0.5", "--health-timeout", "120",
          "--traffic", "10,50,100");
      LoadGenerator.Stats good = load.stop();
      assertThat(v5.exit()).as(v5.err() + v5.out()).isZero();
      assertThat(v5.out()).contains("\"kind\":\"ANALYSIS\"").contains("SUCCEEDED");
      assertThat(good.failed()).as("failed requests: " + good.failureSamples()).isZero();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().filter(e -> e.kind() == EventKind.FINISHED).count() == 3);
    String v5Id = events.stream().filter(e -> e.kind() == EventKind.FINISHED).reduce((a, b) -> b).orElseThrow().deployment().id();
    assertThat(events).filteredOn(e -> e.deployment().id().equals(v5Id) && e.kind() == EventKind.ANALYSIS
        && e.message().contains("passed")).hasSize(2);
  }
}
