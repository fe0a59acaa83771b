package io.zdd.coordinator.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentOptions;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.DrainPolicy;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.LbDrainProgress;
import io.zdd.coordinator.engine.Outcome;
import io.zdd.coordinator.engine.Phase;
import io.zdd.coordinator.engine.ShiftStrategy;
import io.zdd.coordinator.engine.TrafficShare;
import io.zdd.coordinator.engine.TrafficState;
import io.zdd.proto.v1.Deployment;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminMapperTest {
  @Test
  void everyOption_survivesEngineToProtoToEngine() {
    DeploymentOptions o = DeploymentOptions.builder()
        .initialInstances(2).linearIncrease(3).newInstances(1).stepDelay(Duration.ofMillis(1500))
        .maxWait(Duration.ofSeconds(90)).completeCur(false).completePrev(false).resume(true)
        .preKillHook("notify").strategy(ShiftStrategy.WEIGHT_STEPS).trafficSteps(List.of(5, 25, 50, 100))
        .stepPause(Duration.ofSeconds(7)).drainPolicy(DrainPolicy.SHUTDOWN).healthTimeout(Duration.ofSeconds(120))
        .keepPrevious(Duration.ofSeconds(300)).pendingMetric("queued_tx").pendingMetricPath("/m")
        .pendingMetricPortIndex(1).swapFrontendPorts(10011, 10012)
        .build();
    DeploymentOptions back = AdminMapper.options(AdminMapper.toProto(o));
    assertThat(back.initialInstances()).isEqualTo(2);
    assertThat(back.linearIncrease()).isEqualTo(3);
    assertThat(back.newInstances()).isEqualTo(1);
    assertThat(back.stepDelay()).isEqualTo(Duration.ofMillis(1500));
    assertThat(back.maxWait()).isEqualTo(Duration.ofSeconds(90));
    assertThat(back.resume()).isTrue();
    assertThat(back.preKillHook()).contains("notify");
    assertThat(AdminMapper.options(AdminMapper.toProto(o).toBuilder().setRequestedBy("spiffe://zdd/operator/forged")
        .build()).requestedBy()).as("requested_by is the server's to set").isEmpty();
    assertThat(back.strategy()).isEqualTo(ShiftStrategy.WEIGHT_STEPS);
    assertThat(back.trafficSteps()).containsExactly(5, 25, 50, 100);
    assertThat(back.stepPause()).isEqualTo(Duration.ofSeconds(7));
    assertThat(back.drainPolicy()).isEqualTo(DrainPolicy.SHUTDOWN);
    assertThat(back.healthTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(back.keepPrevious()).isEqualTo(Duration.ofSeconds(300));
    assertThat(back.pendingMetric()).contains("queued_tx");
    assertThat(back.pendingMetricPath()).contains("/m");
    assertThat(back.pendingMetricPortIndex()).contains(1);
    assertThat(back.blueFrontendPort()).isEqualTo(10011);
    assertThat(back.greenFrontendPort()).isEqualTo(10012);
  }

  @Test
  void zeroProtoFields_meanTheEngineDefaults() {
    DeploymentOptions defaults = DeploymentOptions.builder().build();
    DeploymentOptions mapped = AdminMapper.options(io.zdd.proto.v1.DeploymentOptions.getDefaultInstance());
    assertThat(mapped.initialInstances()).isEqualTo(defaults.initialInstances());
    assertThat(mapped.stepDelay()).isEqualTo(defaults.stepDelay());
    assertThat(mapped.maxWait()).isEqualTo(defaults.maxWait());
    assertThat(mapped.healthTimeout()).isEqualTo(defaults.healthTimeout());
    assertThat(mapped.drainPolicy()).isEqualTo(DrainPolicy.WAIT);
    assertThat(mapped.strategy()).isEqualTo(ShiftStrategy.INSTANCE_RATIO);
  }

  @Test
  void recordAndEvent_mapEveryShownField() {
    DeploymentRecord r = DeploymentRecord.builder()
        .id("d1").group(GroupName.of("web")).epoch(4).options(DeploymentOptions.builder().build())
        .phase(Phase.DRAIN_BLUE).outcome(Outcome.RUNNING).message("draining")
        .startedAt(Instant.ofEpochMilli(1000)).blueAppId("/web-blue").greenAppId("/web-green")
        .greenColour(Colour.GREEN).traffic(new TrafficState(2, null, true, false, false)).build();
    var traffic = List.of(new TrafficShare(Colour.BLUE, 25), new TrafficShare(Colour.GREEN, 75));
    var drain = List.of(new LbDrainProgress(AgentId.of("lb-1"), 3, 1, 7, true));
    Deployment d = AdminMapper.toProto(r, traffic, drain);
    assertThat(d.getId()).isEqualTo("d1");
    assertThat(d.getPhase()).isEqualTo(io.zdd.proto.v1.Phase.DRAIN_BLUE);
    assertThat(d.getOutcome()).isEqualTo(io.zdd.proto.v1.Outcome.OUTCOME_UNSPECIFIED);
    assertThat(d.getPaused()).isTrue();
    assertThat(d.getEpoch()).isEqualTo(4);
    assertThat(d.getGreenColour()).isEqualTo(io.zdd.proto.v1.Colour.GREEN);
    assertThat(d.getStep()).isEqualTo(2);
    assertThat(d.getStartedAtUnixMs()).isEqualTo(1000);
    assertThat(d.getTrafficList()).extracting(t -> t.getPercent()).containsExactly(25.0, 75.0);
    assertThat(d.getDrain(0).getConnections()).isEqualTo(7);
    assertThat(d.getDrain(0).getServersDrained()).isEqualTo(1);

    var e = AdminMapper.toProto(new DeploymentEvent(9, Instant.ofEpochMilli(5000), EventKind.TASKS_KILLED, "killed",
        r, List.of("web-blue.t1"), drain, traffic));
    assertThat(e.getKind()).isEqualTo(io.zdd.proto.v1.EventKind.TASKS_KILLED);
    assertThat(e.getSequence()).isEqualTo(9);
    assertThat(e.getTaskIdsList()).containsExactly("web-blue.t1");
    assertThat(e.getDeployment().getDrainCount()).isEqualTo(1);
    // Every engine event kind and phase has a protocol twin.
    for (EventKind k : EventKind.values()) {
      assertThat(io.zdd.proto.v1.EventKind.valueOf(k.name()).name()).isEqualTo(k.name());
    }
    for (Phase p : Phase.values()) {
      assertThat(AdminMapper.phase(p).name()).isEqualTo(p.name());
    }
  }
}
