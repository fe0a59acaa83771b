package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerConnections;
import io.zdd.coordinator.engine.fakes.FakeMarathon;
import io.zdd.coordinator.engine.port.LbAgentView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure rules: growth, weight split, drain verdict, green preparation and the dry-run plan. */
class PlanningRulesTest {

  @Test
  void growthFromOne_followsZddPySequence() {
    List<Integer> seq = new ArrayList<>();
    int n = 1;
    seq.add(n);
    while (n < 41) {
      n = GrowthPolicy.next(n, 1000, 1000, 0);
      seq.add(n);
    }
    assertThat(seq).containsExactly(1, 2, 3, 5, 8, 12, 18, 27, 41);
  }

  @Test
  void growthReachingOldCount_jumpsToGoal() {
    assertThat(GrowthPolicy.next(5, 7, 10, 0)).isEqualTo(10);
    assertThat(GrowthPolicy.next(10, 30, 30, 0)).isEqualTo(15);
    assertThat(GrowthPolicy.next(10, 8, 30, 0)).isEqualTo(30);
    assertThat(GrowthPolicy.next(10, 30, 15, 0)).isEqualTo(15);
  }

  @Test
  void linearGrowth_addsStepWithoutJumpCappedAtGoal() {
    assertThat(GrowthPolicy.next(1, 2, 10, 3)).isEqualTo(4);
    assertThat(GrowthPolicy.next(9, 2, 10, 3)).isEqualTo(10);
  }

  @Test
  void weightSplit_givesExactSharesWithinHaproxyLimits() {
    for (int pct : new int[] {1, 5, 10, 25, 33, 50, 99, 100}) {
      for (int g = 1; g <= 7; g++) {
        for (int b = 1; b <= 7; b++) {
          List<String> green = names("g", g);
          List<String> blue = names("b", b);
          WeightSplit w = WeightSplit.of(pct, green, blue);
          long gs = green.stream().mapToLong(w.weights()::get).sum();
          long bs = blue.stream().mapToLong(w.weights()::get).sum();
          assertThat(100.0 * gs / (gs + bs)).as("%d%% with %d green, %d blue", pct, g, b).isEqualTo(pct);
          assertThat(w.effectiveGreenPercent()).isEqualTo(pct);
          assertThat(w.weights().values()).allMatch(x -> x >= 0 && x <= 256);
          // Largest remainder: within a colour, weights differ by at most 1.
          assertThat(spread(w, green)).isLessThanOrEqualTo(1);
          assertThat(spread(w, blue)).isLessThanOrEqualTo(1);
        }
      }
    }
  }

  @Test
  void weightSplitThatCannotBeExact_reportsTheEffectiveShare() {
    // 1 % for green across 300 blue servers: blue's per-server weight is at most 256, so green's
    // single server cannot get a share as small as asked; the effective share says what it is.
    WeightSplit w = WeightSplit.of(1, List.of("g"), names("b", 300));
    assertThat(w.effectiveGreenPercent()).isBetween(0.0, 2.0);
    assertThat(w.weights().values()).allMatch(x -> x <= 256);
  }

  private static List<String> names(String prefix, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  private static int spread(WeightSplit w, List<String> servers) {
    return servers.stream().mapToInt(w.weights()::get).max().orElse(0)
        - servers.stream().mapToInt(w.weights()::get).min().orElse(0);
  }

  @Test
  void drainVerdict_requiresAFreshSampleFromEveryLbShowingTheServerIdleOutOfRotation() {
    GroupName g = GroupName.of("web");
    Instant start = Instant.parse("2026-11-26T05:00:00Z");
    Instant now = start.plusSeconds(30);
    List<LbAgentView> agents = List.of(new LbAgentView(AgentId.of("lb1"), true), new LbAgentView(AgentId.of("lb2"), true));
    ServerConnections idle = new ServerConnections(g, "s1", 0, 0, 9, "UP", AdminState.DRAIN, 0);
    ConnectionSample fresh1 = sample("lb1", now, idle);
    ConnectionSample fresh2 = sample("lb2", now, idle);
    Duration maxAge = Duration.ofSeconds(15);

    assertThat(DrainJudge.judge(g, agents, Map.of(AgentId.of("lb1"), fresh1, AgentId.of("lb2"), fresh2), List.of("s1"),
        start, now, maxAge).drainedEverywhere()).containsExactly("s1");
    // lb2 sent nothing.
    assertThat(DrainJudge.judge(g, agents, Map.of(AgentId.of("lb1"), fresh1), List.of("s1"), start, now, maxAge)
        .drainedEverywhere()).isEmpty();
    // lb2's sample is from before the drain started, or too old.
    assertThat(DrainJudge.judge(g, agents, Map.of(AgentId.of("lb1"), fresh1, AgentId.of("lb2"), sample("lb2", start.minusSeconds(1), idle)),
        List.of("s1"), start, now, maxAge).drainedEverywhere()).isEmpty();
    assertThat(DrainJudge.judge(g, agents, Map.of(AgentId.of("lb1"), fresh1, AgentId.of("lb2"), sample("lb2", start.plusSeconds(1), idle)),
        List.of("s1"), start, now, maxAge).drainedEverywhere()).isEmpty();
    // Still READY on lb2 (the drain was not applied there yet), or an old worker holds a session, or a queue.
    for (ServerConnections busy : List.of(new ServerConnections(g, "s1", 0, 0, 9, "UP", AdminState.READY, 0),
        new ServerConnections(g, "s1", 1, 0, 9, "UP", AdminState.DRAIN, 1),
        new ServerConnections(g, "s1", 0, 2, 9, "UP", AdminState.DRAIN, 0))) {
      DrainJudge.Verdict v = DrainJudge.judge(g, agents, Map.of(AgentId.of("lb1"), fresh1, AgentId.of("lb2"), sample("lb2", now, busy)),
          List.of("s1"), start, now, maxAge);
      assertThat(v.drainedEverywhere()).as(busy.toString()).isEmpty();
      assertThat(v.perLb()).extracting(LbDrainProgress::serversDrained).containsExactly(1, 0);
    }
    // No LB at all never means "drained".
    assertThat(DrainJudge.judge(g, List.of(), Map.of(), List.of("s1"), start, now, maxAge).drainedEverywhere()).isEmpty();
  }

  private static ConnectionSample sample(String agent, Instant at, ServerConnections... servers) {
    return new ConnectionSample(AgentId.of(agent), 1, at, false, List.of(servers), List.of());
  }

  @Test
  void portDefinitionsOnlyApp_getsItsPortAlternatedWhereZddPyCrashed() {
    Harness h = new Harness();
    String json = """
        {"id": "web", "instances": 2, "portDefinitions": [{"port": 10000, "protocol": "tcp"}],
         "labels": {"HAPROXY_DEPLOYMENT_GROUP": "web", "HAPROXY_DEPLOYMENT_ALT_PORT": "10001"}}
        """;
    h.seedBlue(2);
    DeploymentPlan plan = h.engine().plan(json, Harness.options().build());
    com.fasterxml.jackson.databind.JsonNode green = FakeMarathon.parse(plan.greenAppJson());
    assertThat(green.path("id").asText()).isEqualTo("/web-green");
    assertThat(green.path("portDefinitions").path(0).path("port").asInt()).isEqualTo(10001);
    assertThat(green.path("labels").path("HAPROXY_0_PORT").asText()).isEqualTo("10000");
    assertThat(green.path("labels").path("HAPROXY_APP_ID").asText()).isEqualTo("web");
    assertThat(green.path("instances").asInt()).isEqualTo(1);
    assertThat(h.writes()).isEmpty();
  }

  @Test
  void canaryLargerThanTheApp_isAFullDeployNotAZeroInstanceLeftover() {
    Harness h = new Harness();
    h.seedBlue(3);
    DeploymentPlan plan = h.engine().plan(Harness.appJson(3), Harness.options().newInstances(7).build());
    assertThat(plan.prepared().goalInstances()).isEqualTo(3);
    assertThat(FakeMarathon.parse(plan.greenAppJson()).path("labels").path("HAPROXY_DEPLOYMENT_NEW_INSTANCES").asText())
        .isEqualTo("0");
  }

  @Test
  void initialInstancesAboveTarget_areClampedToTheTarget() {
    Harness h = new Harness();
    h.seedBlue(3);
    DeploymentPlan plan = h.engine().plan(Harness.appJson(9), Harness.options().initialInstances(8).build());
    assertThat(FakeMarathon.parse(plan.greenAppJson()).path("instances").asInt()).isEqualTo(3);
    assertThat(plan.prepared().targetInstances()).isEqualTo(3);
  }

  @Test
  void dryRunPlanForBlueToGreen_listsTheTraceCallsAndPerLbChangesAndChangesNothing() {
    Harness h = new Harness();
    h.seedBlue(3);
    DeploymentPlan plan = h.engine().plan(Harness.appJson(3), Harness.options().build());
    assertThat(plan.marathonCalls()).extracting(c -> c.method() + " " + c.path() + " " + c.body())
        .containsExactly(
            "POST /v2/apps " + plan.greenAppJson(),
            "POST /v2/tasks/delete?scale=true {\"ids\":[\"web-blue.0001\"]}",
            "PUT /v2/apps/web-green {\"instances\":2}",
            "POST /v2/tasks/delete?scale=true {\"ids\":[\"web-blue.0002\"]}",
            "PUT /v2/apps/web-green {\"instances\":3}",
            "DELETE /v2/apps/web-blue ");
    assertThat(plan.lbChanges()).containsOnlyKeys(AgentId.of("lb1"), AgentId.of("lb2"));
    assertThat(plan.lbChanges().get(AgentId.of("lb1"))).anyMatch(l -> l.startsWith("drain [10_0_0_"));
    assertThat(h.writes()).isEmpty();
    assertThat(h.fleet.calls()).isEmpty();
    assertThat(h.store.saves()).isEmpty();
  }

  @Test
  void dryRunPlanMatchesWhatTheRunDoes_forTenInstances() throws Exception {
    Harness h = new Harness();
    h.seedBlue(10);
    DeploymentPlan plan = h.engine().plan(Harness.appJson(10), Harness.options().build());
    h.run(h.start(Harness.appJson(10), Harness.options().build()));
    List<String> planned = plan.marathonCalls().stream().map(c -> c.method()).toList();
    List<String> done = h.writes().stream().map(w -> switch (w.substring(0, w.indexOf(' '))) {
      case "KILL" -> "POST";
      default -> w.substring(0, w.indexOf(' '));
    }).toList();
    assertThat(planned).isEqualTo(done);
  }

  @Test
  void dryRunPlanForTrafficSteps_showsEachStepsWeightsAndEffectiveShare() {
    Harness h = new Harness();
    h.seedBlue(3);
    DeploymentPlan plan = h.engine().plan(Harness.appJson(3), Harness.options().trafficSteps(List.of(5, 25, 50, 100)).build());
    assertThat(plan.lbChanges().get(AgentId.of("lb1"))).anyMatch(l -> l.startsWith("step 1: green 5%") && l.contains("effective 5.0%"));
    assertThat(plan.marathonCalls()).extracting(PlannedCall::method).containsExactly("POST", "PUT", "PUT", "DELETE");
  }
}
