package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentRecordCodecTest {

  @Test
  void everyRecordSavedDuringARealDeployment_roundTripsUnchanged() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().trafficSteps(List.of(30, 100))
        .stepPause(Duration.ofSeconds(20)).pendingMetric("q").preKillHook("notify").keepPrevious(Duration.ofSeconds(30))
        .build());
    h.run(d);
    assertThat(h.store.saves()).hasSizeGreaterThan(10);
    for (DeploymentRecord r : h.store.saves()) {
      assertThat(DeploymentRecordCodec.fromJson(DeploymentRecordCodec.toJson(r))).isEqualTo(r);
    }
  }

  @Test
  void rollbackRecord_roundTrips() throws Exception {
    Harness h = new Harness();
    h.seedBlue(2);
    h.marathon.neverHealthy("/web-green");
    Deployment d = h.start(Harness.appJson(2), Harness.options().healthTimeout(Duration.ofSeconds(20)).build());
    h.run(d);
    for (DeploymentRecord r : h.store.saves()) {
      assertThat(DeploymentRecordCodec.fromJson(DeploymentRecordCodec.toJson(r))).isEqualTo(r);
    }
    assertThat(DeploymentRecordCodec.toJson(d.record())).contains("\"rollbackStep\":\"DELETE_GREEN\"", "\"schema\":1");
  }

  @Test
  void wrongSchemaOrGarbage_isRefusedNamingTheField() {
    assertThatThrownBy(() -> DeploymentRecordCodec.fromJson("{\"schema\":2}"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("deployment_record.schema");
    assertThatThrownBy(() -> DeploymentRecordCodec.fromJson("nope")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> DeploymentRecordCodec.fromJson("{\"schema\":1,\"phase\":\"WARP\",\"group\":\"web\"}"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("deployment_record.phase");
  }
}
