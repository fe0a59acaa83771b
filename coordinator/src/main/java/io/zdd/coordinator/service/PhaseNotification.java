package io.zdd.coordinator.service;

import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.analysis.AnalysisState;
import java.util.Locale;
import java.util.Optional;

/** Pure: the one-line text a notification webhook gets for an event; empty for events not worth one. */
public final class PhaseNotification {
  private PhaseNotification() {}

  public static Optional<String> of(DeploymentEvent e) {
    if (e.kind() != EventKind.PHASE_CHANGED && e.kind() != EventKind.FINISHED) {
      return Optional.empty();
    }
    var d = e.deployment();
    String who = "zdd: group " + d.group() + " (" + (d.blueAppId().isEmpty() ? "first deployment" : d.blueAppId()) + " -> "
        + d.greenAppId() + ", deployment " + d.id() + ")";
    String analysis = d.analysis().result() == AnalysisState.Result.NONE ? ""
        : "; analysis " + d.analysis().result().name().toLowerCase(Locale.ROOT) + ": " + d.analysis().summary();
    if (e.kind() == EventKind.FINISHED) {
      return Optional.of(who + " finished: " + d.outcome().name().toLowerCase(Locale.ROOT) + " (" + d.message() + ")" + analysis);
    }
    return Optional.of(who + ": " + e.message() + analysis);
  }
}
