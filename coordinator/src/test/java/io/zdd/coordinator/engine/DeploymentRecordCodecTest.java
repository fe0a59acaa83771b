package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import io.zdd.coordinator.engine.analysis.AnalysisFile;
import io.zdd.coordinator.engine.analysis.AnalysisPorts;
import io.zdd.coordinator.engine.analysis.AnalysisState;
import io.zdd.coordinator.engine.port.MetricQueryPort;
import io.zdd.coordinator.engine.port.WebhookPort;
import java.util.Optional;
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
  void everyRecordOfAnAnalysedDeployment_roundTripsUnchanged() throws Exception {
    Harness h = new Harness();
    h.analysis = new AnalysisPorts(AnalysisFile.parse("{\"templates\": [{\"name\": \"web\", \"count\": 1, \"checks\": "
        + "[{\"name\": \"c\", \"lb\": {\"metric\": \"5xx_ratio\", \"max\": 0.01}}]}]}"), MetricQueryPort.none(),
        WebhookPort.none());
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().trafficSteps(List.of(30, 100)).analysis(Optional.of("web"))
        .build());
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.store.saves()).anyMatch(r -> r.analysis().result() == AnalysisState.Result.PASSED);
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

  /**
   * A record as the codec wrote it before the record had parts (every field set; the values are
   * made up, not a real deployment's): a coordinator upgraded in place must resume it.
   */
  @Test
  void recordStoredBeforeTheRecordHadParts_readsEveryField_andIsWrittenBackTheSame() throws Exception {
    String stored = resource("/records/deployment-record-v1-flat.json");
    Instant t = Instant.parse("2024-05-01T10:00:00Z");
    DeploymentOptions options = DeploymentOptions.builder().stepDelay(Duration.ofSeconds(5))
        .maxWait(Duration.ofSeconds(300)).healthTimeout(Duration.ofSeconds(120)).trafficSteps(List.of(25, 100))
        .stepPause(Duration.ofSeconds(30)).drainPolicy(DrainPolicy.SHUTDOWN).preKillHook("notify")
        .pendingMetric("queue_depth").keepPrevious(Duration.ofMinutes(2)).requestedBy("spiffe://zdd/operator/alice")
        .build();
    DeploymentRecord expected = DeploymentRecord.builder()
        .id("0b7f6c1e-1111-4222-8333-444455556666").group(GroupName.of("web")).epoch(7).options(options)
        .phase(Phase.ROLLBACK).outcome(Outcome.RUNNING).message("draining green")
        .startedAt(t).finishedAt(t.plusSeconds(900)).phaseStartedAt(t.plusSeconds(60))
        .blueAppId("/web-blue").greenAppId("/web-green").greenColour(Colour.GREEN)
        .greenAppJson("{\"id\":\"/web-green\",\"labels\":{\"HAPROXY_DEPLOYMENT_GROUP\":\"web\"}}")
        .servicePort(10000).targetInstances(4).goalInstances(2).blueTargetInstances(3).greenCreated(true)
        .backendVersion(12).backendFingerprint("fp-abc")
        .admittedTaskIds(List.of("web-green.g1", "web-green.g2")).retiredTaskIds(List.of("web-blue.b1"))
        .drain(new DrainState(List.of("web-green.g1"), t.plusSeconds(120), t.plusSeconds(150), true))
        .killingTaskIds(List.of("web-blue.b2")).killedTaskIds(List.of("web-blue.b3")).plannedGreenInstances(3)
        .traffic(new TrafficState(1, t.plusSeconds(90), true, true, true))
        .healthDeadline(t.plusSeconds(200)).keepPreviousUntil(t.plusSeconds(300)).paused(true)
        .rollback(new RollbackState(RollbackStep.DRAIN_GREEN, "aborted by operator"))
        .audit("2024-05-01T10:01:00Z alice pause")
        .controls(new Controls(List.of(new ControlRequest(4, Control.RESUME, t.plusSeconds(100))), 3))
        .build();

    DeploymentRecord read = DeploymentRecordCodec.fromJson(stored);

    assertThat(read).isEqualTo(expected);
    assertThat(read.drain().taskIds()).containsExactly("web-green.g1");
    assertThat(read.drain().startedAt()).isEqualTo(t.plusSeconds(120));
    assertThat(read.drain().shutdownAt()).isEqualTo(t.plusSeconds(150));
    assertThat(read.drain().warned()).isTrue();
    assertThat(read.traffic()).isEqualTo(new TrafficState(1, t.plusSeconds(90), true, true, true));
    assertThat(read.rollback()).isEqualTo(new RollbackState(RollbackStep.DRAIN_GREEN, "aborted by operator"));
    // What a new leader checks before it trusts a stored record still passes.
    assertThat(RecordIntegrity.problems(read, Set.of("notify"))).isEmpty();
    // The stored layout is unchanged: a coordinator not upgraded yet reads what an upgraded one writes.
    assertThat(AppJson.MAPPER.readTree(DeploymentRecordCodec.toJson(read))).isEqualTo(AppJson.MAPPER.readTree(stored));
  }

  @Test
  void partsAreStoredUnderTheirFlatNames() {
    DeploymentRecord r = DeploymentRecord.builder().group(GroupName.of("web")).phase(Phase.ROLLBACK)
        .options(DeploymentOptions.builder().build())
        .drain(DrainState.of(List.of("web-blue.1"), Instant.EPOCH))
        .traffic(new TrafficState(2, null, false, true, true))
        .rollback(RollbackState.of("why")).build();
    assertThat(DeploymentRecordCodec.toJson(r)).contains("\"drainingTaskIds\":[\"web-blue.1\"]",
        "\"drainStartedAt\":\"1970-01-01T00:00:00Z\"", "\"drainWarned\":false", "\"step\":2", "\"swapped\":true",
        "\"finalDrain\":true", "\"rollbackStep\":\"RESTORE_BLUE\"", "\"rollbackReason\":\"why\"")
        .doesNotContain("\"drain\"", "\"traffic\"", "\"rollback\"");
  }

  private static String resource(String path) throws IOException {
    try (InputStream in = DeploymentRecordCodecTest.class.getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
