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
}
