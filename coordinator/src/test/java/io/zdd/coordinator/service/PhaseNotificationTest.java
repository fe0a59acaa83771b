package io.zdd.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Outcome;
import io.zdd.coordinator.engine.Phase;
import io.zdd.coordinator.engine.analysis.AnalysisState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the notification webhooks are told: every phase change and the end, with the analysis; nothing else. */
class PhaseNotificationTest {
  private static DeploymentEvent event(EventKind kind, String message, DeploymentRecord r) {
    return new DeploymentEvent(1, Instant.EPOCH, kind, message, r, List.of(), List.of(), List.of());
  }

  @Test
  void phaseChangesAndTheEnd_areTold_withTheAnalysis_otherEventsAreNot() {
    DeploymentRecord r = DeploymentRecord.builder().id("d1").group(GroupName.of("shop")).phase(Phase.ROLLBACK)
        .blueAppId("/shop-blue").greenAppId("/shop-green")
        .analysis(new AnalysisState(0, 1, 1, 0, Instant.EPOCH, AnalysisState.Result.FAILED, "green 5xx 20%", false)).build();
    assertThat(PhaseNotification.of(event(EventKind.PHASE_CHANGED, "SHIFT_TRAFFIC -> ROLLBACK", r))).hasValueSatisfying(t ->
        assertThat(t).contains("group shop", "/shop-blue -> /shop-green", "SHIFT_TRAFFIC -> ROLLBACK", "analysis failed: green 5xx 20%"));
    DeploymentRecord done = r.toBuilder().phase(Phase.DONE).outcome(Outcome.ROLLED_BACK).message("analysis failed").build();
    assertThat(PhaseNotification.of(event(EventKind.FINISHED, "ROLLED_BACK", done))).hasValueSatisfying(t ->
        assertThat(t).contains("finished: rolled_back (analysis failed)"));
    assertThat(PhaseNotification.of(event(EventKind.DRAIN_PROGRESS, "draining", r))).isEmpty();
    assertThat(PhaseNotification.of(event(EventKind.ANALYSIS, "step 1 measurement", r))).isEmpty();
  }
}
