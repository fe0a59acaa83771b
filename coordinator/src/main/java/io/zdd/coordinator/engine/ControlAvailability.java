package io.zdd.coordinator.engine;

/**
 * Whether an operator's control would be accepted by a deployment as its record stands: the same
 * rule {@link Deployment#request} applies, for views that offer the controls (the dashboard's
 * buttons). The request itself is still checked when it is made.
 */
public final class ControlAvailability {
  private ControlAvailability() {}

  public static boolean applies(Control control, DeploymentRecord r) {
    if (ControlRules.refusal(control, r).isPresent()) {
      return false;
    }
    return switch (control) {
      case PAUSE -> !r.paused();
      case RESUME -> r.paused();
      case PROMOTE, ABORT, SKIP_ANALYSIS -> true;
    };
  }
}
