package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.PreconditionException;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.coordinator.engine.analysis.AnalysisFile;
import io.zdd.coordinator.engine.analysis.AnalysisPorts;
import io.zdd.coordinator.engine.analysis.AnalysisState;
import io.zdd.coordinator.engine.analysis.CheckResult;
import io.zdd.coordinator.engine.analysis.Verdict;
import io.zdd.coordinator.engine.fakes.FakeFleet;
import io.zdd.coordinator.engine.port.MetricQueryPort;
import io.zdd.coordinator.engine.port.WebhookPort;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Traffic steps gated by analysis, against fake LBs whose traffic counters follow the weights
 * they were given ({@code FakeTraffic}): a bad green rolls back by itself at its first step, a
 * good one moves through every step without a promote, too little data pauses, webhooks gate the
 * start and the final switch, and a new leader carries on counting.
 */
class CanaryAnalysisTest {
  private static final String FILE = """
      {"templates": [
        {"name": "web", "interval": "10s", "count": 2, "failureLimit": 0, "inconclusiveLimit": 0,
         "checks": [{"name": "green-5xx", "lb": {"metric": "5xx_ratio", "max": 0.01, "minRequests": 50}}]},
        {"name": "prom", "interval": "10s", "count": 1, "inconclusiveLimit": 0,
         "checks": [{"name": "errors", "prometheus": {"query": "rate(errors{app=\\"{{app}}\\",step=\\"{{step}}\\"}[1m])", "max": 1}}]},
        {"name": "gated", "interval": "10s", "count": 1,
         "checks": [{"name": "green-5xx", "lb": {"metric": "5xx_ratio", "max": 0.01, "minRequests": 50}}],
         "webhooks": [{"name": "qa", "type": "confirm-promotion", "url": "http://qa.example/confirm"},
                      {"name": "ready", "type": "pre-rollout", "url": "http://qa.example/ready"},
                      {"name": "bye", "type": "post-rollout", "url": "http://qa.example/done"}]}]}
      """;

  /** Records every webhook call and answers with the next scripted status (then 200). */
  static final class ScriptedWebhooks implements WebhookPort {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<Integer> answers = new CopyOnWriteArrayList<>();

    @Override
    public WebhookResult call(URI url, String jsonBody, Duration timeout) {
      calls.add(url.getPath() + " " + jsonBody);
      int status = answers.isEmpty() ? 200 : answers.remove(0);
      return new WebhookResult(status, status == 200 ? "" : "not yet", Duration.ofMillis(1));
    }

    @Override
    public void notify(URI url, String jsonBody) {}
  }

  private static Harness harness(MetricQueryPort metrics, WebhookPort hooks) {
    Harness h = new Harness();
    h.analysis = new AnalysisPorts(AnalysisFile.parse(FILE), metrics, hooks);
    h.seedBlue(3);
    return h;
  }

  private static DeploymentOptions canary(String template) {
    return Harness.options().trafficSteps(List.of(10, 50, 100)).analysis(Optional.of(template)).build();
  }

  private static double greenShare(BackendSet set) {
    return Harness.greenShare(set);
  }

  @Test
  void aBadGreen_isRolledBackByItself_atItsFirstStep_withinTwoIntervals() throws Exception {
    Harness h = harness(MetricQueryPort.none(), WebhookPort.none());
    h.fleet.all().forEach(lb -> lb.traffic.errorRate.put(Colour.GREEN, 0.2));
    Deployment d = h.start(Harness.appJson(3), canary("web"));

    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(d.record().rollback().reason()).contains("analysis failed at step 1").contains("green-5xx")
        .contains("> max 1.00%");
    Instant applied = h.events(EventKind.TRAFFIC_SHIFTED).get(0).at();
    DeploymentEvent failed = h.events(EventKind.ANALYSIS).stream().filter(e -> e.message().contains("failed")).findFirst()
        .orElseThrow();
    assertThat(Duration.between(applied, failed.at())).isLessThanOrEqualTo(Duration.ofSeconds(20));
    assertThat(failed.analysis()).filteredOn(r -> r.lb().isEmpty()).singleElement()
        .satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.FAIL));
    assertThat(failed.analysis()).extracting(CheckResult::lb).contains("lb1", "lb2");
    // Traffic never went past the first step, and is back on blue everywhere.
    assertThat(h.events(EventKind.TRAFFIC_SHIFTED)).filteredOn(e -> e.message().contains("requested")).hasSize(1);
    for (FakeFleet.LbAgent lb : h.fleet.all()) {
      assertThat(greenShare(lb.applied)).isZero();
    }
    assertThat(h.marathon.app("/web-green")).isEmpty();
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void aGoodGreen_passesEveryStep_withoutAPromote() throws Exception {
    Harness h = harness(MetricQueryPort.none(), WebhookPort.none());
    Deployment d = h.start(Harness.appJson(3), canary("web"));

    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.events(EventKind.ANALYSIS)).filteredOn(e -> e.message().contains("passed")).hasSize(2);
    assertThat(h.events(EventKind.TRAFFIC_SHIFTED)).extracting(DeploymentEvent::message)
        .anyMatch(m -> m.contains("requested 10%")).anyMatch(m -> m.contains("requested 50%"));
    // Each step moved on only after its two measurements, each 10 s after the reading before (the
    // first reading is taken when the step is applied).
    List<DeploymentEvent> shifts = h.events(EventKind.TRAFFIC_SHIFTED);
    assertThat(Duration.between(shifts.get(0).at(), shifts.get(1).at())).isGreaterThanOrEqualTo(Duration.ofSeconds(20));
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void tooLittleTraffic_pausesWithTheReason_andTheOperatorDecides() throws Exception {
    Harness h = harness(MetricQueryPort.none(), WebhookPort.none());
    h.fleet.all().forEach(lb -> lb.traffic.requestsPerSecond = 2);
    Deployment d = h.start(Harness.appJson(3), canary("web"));

    Tick held = h.run(d);
    assertThat(held.kind()).isEqualTo(Tick.Kind.HELD);
    assertThat(d.record().paused()).isTrue();
    assertThat(d.record().analysis().result()).isEqualTo(AnalysisState.Result.INCONCLUSIVE);
    assertThat(d.record().message()).contains("inconclusive at step 1").contains("fewer than the 50 needed");
    // A plain promote does not skip the gate; an audited one does.
    assertThatThrownBy(d::promote).isInstanceOf(PreconditionException.class).hasMessageContaining("--skip-analysis");
    d.resume();
    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.HELD);
    assertThat(d.record().analysis().measurements()).as("analysed again from zero").isEqualTo(1);
    d.request(Control.SKIP_ANALYSIS, "alice promoted, skipping the step's analysis,");
    h.fleet.all().forEach(lb -> lb.traffic.requestsPerSecond = 100);
    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(d.record().audit()).anyMatch(a -> a.contains("alice promoted, skipping"));
  }

  @Test
  void aPromQlCheckWithNoData_isInconclusive_andPausesRatherThanPasses() throws Exception {
    List<String> queries = new ArrayList<>();
    Harness h = harness(q -> {
      queries.add(q);
      return List.of();
    }, WebhookPort.none());
    Deployment d = h.start(Harness.appJson(3), canary("prom"));

    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.HELD);
    assertThat(d.record().message()).contains("no values found");
    assertThat(queries).first().asString().isEqualTo("rate(errors{app=\"/web-green\",step=\"1\"}[1m])");
    assertThat(h.events(EventKind.TRAFFIC_SHIFTED)).hasSize(1);
  }

  @Test
  void aFailingPreRolloutWebhook_refusesTheDeployment_andNothingChanges() {
    ScriptedWebhooks hooks = new ScriptedWebhooks();
    hooks.answers.add(503);
    Harness h = harness(MetricQueryPort.none(), hooks);

    assertThatThrownBy(() -> h.start(Harness.appJson(3), canary("gated"))).isInstanceOf(PreconditionException.class)
        .hasMessageContaining("pre-rollout webhook ready answered 503").hasMessageContaining("nothing was changed");
    assertThat(h.store.load(Harness.GROUP)).isEmpty();
    assertThat(h.writes()).isEmpty();
    assertThat(hooks.calls).singleElement().asString().startsWith("/ready ").contains("\"type\":\"pre-rollout\"")
        .contains("\"group\":\"web\"");
  }

  @Test
  void confirmPromotion_holdsTheSwitchTo100_untilItAnswers2xx() throws Exception {
    ScriptedWebhooks hooks = new ScriptedWebhooks();
    Harness h = harness(MetricQueryPort.none(), hooks);
    Deployment d = h.start(Harness.appJson(3), canary("gated"));
    hooks.answers.addAll(List.of(403, 403, 403));

    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    List<String> confirms = hooks.calls.stream().filter(c -> c.startsWith("/confirm ")).toList();
    assertThat(confirms).hasSize(4);
    assertThat(confirms.get(0)).contains("\"share\":50").contains("\"result\":\"passed\"");
    Instant confirmed = h.events(EventKind.ANALYSIS).stream().filter(e -> e.message().startsWith("confirm-promotion webhooks"))
        .findFirst().orElseThrow().at();
    DeploymentEvent full = h.events(EventKind.TRAFFIC_SHIFTED).stream().filter(e -> e.message().contains("requested 100%"))
        .findFirst().orElseThrow();
    assertThat(full.at()).isAfterOrEqualTo(confirmed);
    assertThat(hooks.calls).last().asString().startsWith("/done ");
  }

  @Test
  void aNewLeader_carriesOnCountingTheStepsMeasurements() throws Exception {
    Harness h = harness(MetricQueryPort.none(), WebhookPort.none());
    Deployment d = h.start(Harness.appJson(3), canary("web"));
    AtomicInteger seen = new AtomicInteger();
    while (d.record().analysis().measurements() < 1) {
      Tick t = d.tick();
      if (t.kind() == Tick.Kind.WAIT) {
        h.clock.advance(t.delay());
      }
      seen.incrementAndGet();
    }
    d.stop();
    h.epoch = 2;
    Deployment resumed = h.engine().resume(Harness.GROUP).orElseThrow();
    assertThat(resumed.record().analysis().measurements()).isEqualTo(1);
    assertThat(h.run(resumed).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(resumed.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.events(EventKind.ANALYSIS)).filteredOn(e -> e.message().startsWith("step 1 passed")).singleElement()
        .satisfies(e -> assertThat(e.deployment().analysis().measurements()).isEqualTo(2));
  }

  @Test
  void thePlan_showsTheGates_andChangesNothing() {
    Harness h = harness(MetricQueryPort.none(), WebhookPort.none());
    DeploymentPlan plan = h.engine().plan(Harness.appJson(3), canary("gated"));
    assertThat(plan.gates()).first().asString().contains("analysis 'gated'").contains("roll back");
    assertThat(plan.gates()).anyMatch(g -> g.contains("green-5xx") && g.contains("1.00%"))
        .anyMatch(g -> g.contains("confirm-promotion webhook http://qa.example/confirm"));
    assertThat(h.engine().plan(Harness.appJson(3), Harness.options().trafficSteps(List.of(10, 100)).build()).gates())
        .containsExactly("no analysis: each traffic step waits for promote");
    assertThat(h.writes()).isEmpty();
    assertThat(h.store.load(Harness.GROUP)).isEmpty();
  }

  @Test
  void aCanaryByInstanceCount_isJudgedDuringItsHold_completingByItselfWhenGood_andRolledBackWhenBad() throws Exception {
    Harness good = harness(MetricQueryPort.none(), WebhookPort.none());
    Deployment d = good.start(Harness.appJson(3), Harness.options().newInstances(1).analysis(Optional.of("web")).build());
    assertThat(good.run(d).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(good.events(EventKind.ANALYSIS)).anyMatch(e -> e.message().contains("passed"));
    assertThat(good.marathon.app("/web-green").orElseThrow().instances).isEqualTo(3);

    Harness bad = harness(MetricQueryPort.none(), WebhookPort.none());
    bad.fleet.all().forEach(lb -> lb.traffic.errorRate.put(Colour.GREEN, 0.2));
    Deployment b = bad.start(Harness.appJson(3), Harness.options().newInstances(1).analysis(Optional.of("web")).build());
    assertThat(bad.run(b).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(b.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(b.record().rollback().reason()).contains("analysis failed");
    assertThat(bad.allViolations()).isEmpty();
  }
}
