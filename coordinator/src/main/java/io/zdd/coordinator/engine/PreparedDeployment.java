package io.zdd.coordinator.engine;

import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import java.util.Optional;

/**
 * What preflight decided, before anything is changed.
 *
 * @param blue the app being replaced; empty on a first deployment
 * @param greenDefinition the app to post; empty when green already exists (resume, complete-*)
 * @param goalInstances what green grows to now: the canary size while it holds, else the target
 * @param initialInstances green's instances at creation
 */
public record PreparedDeployment(
    GroupName group,
    PlanMode mode,
    Optional<AppStatus> blue,
    Optional<AppStatus> existingGreen,
    String greenAppId,
    Colour greenColour,
    Optional<AppDefinition> greenDefinition,
    int servicePort,
    int targetInstances,
    int goalInstances,
    int initialInstances,
    DeploymentOptions options) {

  /** Which situation preflight found the group in. */
  public enum PlanMode {
    /** No app in the group: green is created at its full count, nothing is drained. */
    FIRST_DEPLOY,
    /** One app in the group: it is replaced. */
    UPGRADE,
    /** Two apps, {@code --resume}: carry on with the newest as green. */
    RESUME,
    /** Two apps, {@code --complete-cur}: the newest takes all traffic. */
    COMPLETE_CUR,
    /** Two apps, {@code --complete-prev}: the previous one is restored (a rollback). */
    COMPLETE_PREV
  }
}
