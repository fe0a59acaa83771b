package io.zdd.deploy.marathon;

import java.time.Instant;

/** The result history of one health check of one task: what {@code healthCheckResults[i]} shows. */
final class HealthState {
  Boolean alive; // null until the first counted result
  int consecutiveFailures;
  Instant firstSuccess;
  Instant lastSuccess;
  Instant lastFailure;
  String lastFailureCause;
  boolean probeInFlight;

  boolean hasResult() {
    return alive != null;
  }
}
