package io.zdd.coordinator.admin;

import io.zdd.common.grpc.ProtoMapper;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentOptions;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.DrainPolicy;
import io.zdd.coordinator.engine.LbDrainProgress;
import io.zdd.coordinator.engine.ShiftStrategy;
import io.zdd.coordinator.engine.TrafficShare;
import io.zdd.proto.v1.AnalysisResult;
import io.zdd.proto.v1.AnalysisStatus;
import io.zdd.proto.v1.Deployment;
import io.zdd.proto.v1.EventKind;
import io.zdd.proto.v1.Outcome;
import io.zdd.proto.v1.Phase;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Maps between the engine's records and the admin API's messages; the coordinator-side twin of
 * {@link ProtoMapper}. Zero-valued option fields mean "the engine's default".
 */
public final class AdminMapper {
  private AdminMapper() {}

  public static DeploymentOptions options(io.zdd.proto.v1.DeploymentOptions o) {
    DeploymentOptions.Builder b = DeploymentOptions.builder();
    if (o.getInitialInstances() > 0) {
      b.initialInstances(o.getInitialInstances());
    }
    b.linearIncrease(o.getLinearIncrease());
    b.newInstances(o.getNewInstances());
    if (o.getStepDelayMs() > 0) {
      b.stepDelay(Duration.ofMillis(o.getStepDelayMs()));
    }
    if (o.getMaxWaitMs() > 0) {
      b.maxWait(Duration.ofMillis(o.getMaxWaitMs()));
    }
    b.dryRun(o.getDryRun()).completeCur(o.getCompleteCur())
        .completePrev(o.getCompletePrev()).resume(o.getResume());
    if (!o.getPreKillHook().isEmpty()) {
      b.preKillHook(o.getPreKillHook());
    }
    b.strategy(switch (o.getStrategy()) {
      case INSTANCE_RATIO -> ShiftStrategy.INSTANCE_RATIO;
      case WEIGHT_STEPS -> ShiftStrategy.WEIGHT_STEPS;
      case PORT_SWAP -> ShiftStrategy.PORT_SWAP;
      case SHIFT_STRATEGY_UNSPECIFIED, UNRECOGNIZED -> null;
    });
    b.trafficSteps(o.getTrafficStepsPercentList());
    b.stepPause(Duration.ofMillis(o.getStepPauseMs()));
    b.drainPolicy(switch (o.getDrainPolicy()) {
      case SHUTDOWN -> DrainPolicy.SHUTDOWN;
      case ABORT_DEPLOYMENT -> DrainPolicy.ABORT;
      case WAIT, DRAIN_POLICY_UNSPECIFIED, UNRECOGNIZED -> DrainPolicy.WAIT;
    });
    if (o.getHealthTimeoutMs() > 0) {
      b.healthTimeout(Duration.ofMillis(o.getHealthTimeoutMs()));
    }
    b.keepPrevious(Duration.ofMillis(o.getKeepPreviousMs()));
    if (!o.getPendingMetric().isEmpty()) {
      b.pendingMetric(o.getPendingMetric());
    }
    if (!o.getPendingMetricPath().isEmpty()) {
      b.pendingMetricPath(o.getPendingMetricPath());
    }
    if (o.getPendingMetricPortIndex() > 0) {
      b.pendingMetricPortIndex(o.getPendingMetricPortIndex());
    }
    if (o.getBlueFrontendPort() > 0 || o.getGreenFrontendPort() > 0) {
      b.swapFrontendPorts(o.getBlueFrontendPort(), o.getGreenFrontendPort());
    }
    if (!o.getAnalysis().isEmpty()) {
      b.analysis(Optional.of(o.getAnalysis()));
    }
    return b.build();
  }

  public static io.zdd.proto.v1.DeploymentOptions toProto(DeploymentOptions o) {
    var b = io.zdd.proto.v1.DeploymentOptions.newBuilder()
        .setInitialInstances(o.initialInstances())
        .setLinearIncrease(o.linearIncrease())
        .setNewInstances(o.newInstances())
        .setStepDelayMs(millis(o.stepDelay()))
        .setMaxWaitMs(millis(o.maxWait()))
        .setDryRun(o.dryRun())
        .setCompleteCur(o.completeCur())
        .setCompletePrev(o.completePrev())
        .setResume(o.resume())
        .setPreKillHook(o.preKillHook().orElse(""))
        .setStrategy(switch (o.strategy()) {
          case INSTANCE_RATIO -> io.zdd.proto.v1.ShiftStrategy.INSTANCE_RATIO;
          case WEIGHT_STEPS -> io.zdd.proto.v1.ShiftStrategy.WEIGHT_STEPS;
          case PORT_SWAP -> io.zdd.proto.v1.ShiftStrategy.PORT_SWAP;
        })
        .addAllTrafficStepsPercent(o.trafficSteps())
        .setStepPauseMs(millis(o.stepPause()))
        .setDrainPolicy(switch (o.drainPolicy()) {
          case WAIT -> io.zdd.proto.v1.DrainPolicy.WAIT;
          case SHUTDOWN -> io.zdd.proto.v1.DrainPolicy.SHUTDOWN;
          case ABORT -> io.zdd.proto.v1.DrainPolicy.ABORT_DEPLOYMENT;
        })
        .setHealthTimeoutMs(millis(o.healthTimeout()))
        .setKeepPreviousMs(o.keepPrevious() == null ? 0 : o.keepPrevious().toMillis())
        .setPendingMetric(o.pendingMetric().orElse(""))
        .setPendingMetricPath(o.pendingMetricPath().orElse(""))
        .setPendingMetricPortIndex(o.pendingMetricPortIndex().orElse(0))
        .setBlueFrontendPort(o.blueFrontendPort())
        .setGreenFrontendPort(o.greenFrontendPort())
        .setRequestedBy(o.requestedBy())
        .setAnalysis(o.analysis().orElse(""));
    return b.build();
  }

  public static Deployment toProto(DeploymentRecord r, List<TrafficShare> traffic, List<LbDrainProgress> drain) {
    Deployment.Builder b = Deployment.newBuilder()
        .setId(r.id())
        .setGroup(r.group().value())
        .setPhase(phase(r.phase()))
        .setOutcome(outcome(r.outcome()))
        .setPaused(r.paused() || r.traffic().awaitingPromote())
        .setBlueAppId(r.blueAppId())
        .setGreenAppId(r.greenAppId())
        .setEpoch(r.epoch())
        .setStartedAtUnixMs(r.startedAt() == null ? 0 : r.startedAt().toEpochMilli())
        .setFinishedAtUnixMs(r.finishedAt() == null ? 0 : r.finishedAt().toEpochMilli())
        .setMessage(r.message())
        .setStep(Math.max(0, r.traffic().step()))
        .addAllAudit(r.audit())
        .addAllPendingControls(r.controls().pending().stream().map(Object::toString).toList());
    if (r.greenColour() != null) {
      b.setGreenColour(ProtoMapper.toProto(r.greenColour()));
    }
    if (r.options() != null) {
      b.setOptions(toProto(r.options()));
      r.options().analysis().ifPresent(t -> b.setAnalysis(AnalysisStatus.newBuilder()
          .setTemplate(t)
          .setStep(Math.max(0, r.analysis().step() + 1))
          .setResult(r.analysis().result().name().toLowerCase(Locale.ROOT))
          .setMeasurements(r.analysis().measurements())
          .setFailures(r.analysis().failures())
          .setInconclusives(r.analysis().inconclusives())
          .setSummary(r.analysis().summary())));
    }
    traffic.forEach(t -> b.addTraffic(io.zdd.proto.v1.TrafficShare.newBuilder()
        .setColour(ProtoMapper.toProto(t.colour())).setPercent(t.percent())));
    drain.forEach(d -> b.addDrain(io.zdd.proto.v1.LbDrainProgress.newBuilder()
        .setAgentId(d.agent().value())
        .setServersTotal(d.serversTotal())
        .setServersDrained(d.serversDrained())
        .setConnections(d.connections())));
    return b.build();
  }

  public static io.zdd.proto.v1.DeploymentEvent toProto(DeploymentEvent e) {
    return io.zdd.proto.v1.DeploymentEvent.newBuilder()
        .setDeploymentId(e.deployment().id())
        .setSequence(e.sequence())
        .setAtUnixMs(e.at().toEpochMilli())
        .setKind(EventKind.valueOf(e.kind().name()))
        .setMessage(e.message())
        .setDeployment(toProto(e.deployment(), e.traffic(), e.drain()))
        .addAllTaskIds(e.killedTaskIds())
        .addAllAnalysis(e.analysis().stream().map(c -> AnalysisResult.newBuilder()
            .setCheck(c.check())
            .setLb(c.lb())
            .setVerdict(c.verdict().label())
            .setValue(c.value())
            .setDetail(c.detail())
            .build()).toList())
        .build();
  }

  static Phase phase(io.zdd.coordinator.engine.Phase p) {
    return Phase.valueOf(p.name());
  }

  static Outcome outcome(io.zdd.coordinator.engine.Outcome o) {
    return switch (o) {
      case RUNNING -> Outcome.OUTCOME_UNSPECIFIED;
      case SUCCEEDED -> Outcome.SUCCEEDED;
      case ROLLED_BACK -> Outcome.ROLLED_BACK;
      case FAILED -> Outcome.FAILED;
    };
  }

  private static int millis(Duration d) {
    return d == null ? 0 : (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }
}
