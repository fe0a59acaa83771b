package io.zdd.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Phase;
import io.zdd.coordinator.engine.TrafficShare;
import io.zdd.coordinator.engine.analysis.CheckResult;
import io.zdd.coordinator.engine.analysis.Verdict;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The coordinator's deployment gauges speak in roles (blue = live, green = new), like the CLI and the dashboard. */
class CoordinatorMetricsTest {
  @Test
  void trafficShareIsLabelledByRole_evenWhenTheNewAppCarriesTheBlueLabel() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CoordinatorMetrics metrics = new CoordinatorMetrics(registry, () -> true, () -> 3L, null);
    // The new app is /shop-blue this time: its colour label is BLUE, its role green.
    DeploymentRecord r = DeploymentRecord.builder().id("d1").group(GroupName.of("shop")).phase(Phase.SHIFT_TRAFFIC)
        .blueAppId("/shop-green").greenAppId("/shop-blue").greenColour(Colour.BLUE).build();
    metrics.onEvent(new DeploymentEvent(1, Instant.EPOCH, EventKind.TRAFFIC_SHIFTED, "10 %", r, List.of(), List.of(),
        List.of(new TrafficShare(Colour.BLUE, 10), new TrafficShare(Colour.GREEN, 90))));

    assertThat(registry.get("zdd_deployment_traffic_share").tags("group", "shop", "role", "green").gauge().value())
        .isEqualTo(10.0);
    assertThat(registry.get("zdd_deployment_traffic_share").tags("group", "shop", "role", "blue").gauge().value())
        .isEqualTo(90.0);
    assertThat(registry.find("zdd_deployment_traffic_share").tagKeys("colour").gauges()).isEmpty();
  }

  @Test
  void anAnalysisMeasurement_setsEachChecksValue_andCountsItsWorstResultOverEveryLb() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CoordinatorMetrics metrics = new CoordinatorMetrics(registry, () -> true, () -> 3L, null);
    DeploymentRecord r = DeploymentRecord.builder().id("d1").group(GroupName.of("shop")).phase(Phase.SHIFT_TRAFFIC)
        .blueAppId("/shop-green").greenAppId("/shop-blue").greenColour(Colour.BLUE).build();
    List<CheckResult> results = List.of(
        new CheckResult("green-5xx", CheckResult.ALL_LBS, Verdict.PASS, 0.004, "sum passes"),
        new CheckResult("green-5xx", "lb-2", Verdict.FAIL, 0.09, "one LB fails"),
        new CheckResult("latency", CheckResult.ALL_LBS, Verdict.INCONCLUSIVE, Double.NaN, "too few"));
    for (int i = 0; i < 2; i++) {
      metrics.onEvent(new DeploymentEvent(1, Instant.EPOCH, EventKind.ANALYSIS, "step 1", r, List.of(), List.of(), List.of(),
          results));
    }

    assertThat(registry.get("zdd_analysis_value").tags("group", "shop", "check", "green-5xx").gauge().value()).isEqualTo(0.004);
    assertThat(registry.get("zdd_analysis_value").tags("group", "shop", "check", "latency").gauge().value()).isNaN();
    assertThat(registry.get("zdd_analysis_results_total").tags("group", "shop", "check", "green-5xx", "result", "fail")
        .counter().count()).isEqualTo(2.0);
    assertThat(registry.find("zdd_analysis_results_total").tags("check", "green-5xx", "result", "pass").counter()).isNull();
    assertThat(registry.get("zdd_analysis_results_total").tags("group", "shop", "check", "latency", "result", "inconclusive")
        .counter().count()).isEqualTo(2.0);
  }
}
