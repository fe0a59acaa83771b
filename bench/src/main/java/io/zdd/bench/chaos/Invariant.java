package io.zdd.bench.chaos;

/** What the soak checks; a violation names the invariant it breaks. */
enum Invariant {
  NO_FAILED_REQUEST("no failed request outside a restarting LB or an aborted app"),
  NO_KILL_WITH_CONNECTION("no task killed while an LB held a connection to it"),
  NO_DOUBLE_KILL("no task killed twice"),
  DEPLOYMENTS_END("every deployment ended SUCCEEDED, ROLLED_BACK or FAILED with a reason"),
  LB_MATCHES_MARATHON("LB state equals Marathon after convergence"),
  NOTHING_LEFT("nothing left behind on the host");

  final String description;

  Invariant(String description) {
    this.description = description;
  }
}
