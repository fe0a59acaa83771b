package io.zdd.coordinator.engine;

import io.zdd.coordinator.engine.port.AppStatus;
import java.util.List;
import java.util.Optional;

/**
 * Port swap: green's own frontend is brought up on every LB, then every LB redirects the public
 * port to it (the agents' iptables swap); blue then drains on its own frontend.
 */
final class PortSwapShift implements TrafficShift {
  private final Deployment d;

  PortSwapShift(Deployment d) {
    this.d = d;
  }

  @Override
  public Tick shift() {
    DeploymentRecord rec = d.rec();
    AppStatus green = d.getApp(rec.greenAppId());
    Optional<AppStatus> blue = d.blueApp();
    FleetConvergence.Applied applied = d.fleet().apply(Optional.of(green), blue);
    if (!applied.converged()) {
      return d.fleet().waitConverged("green frontend", applied);
    }
    if (!d.rec().traffic().swapped()) {
      d.save(d.rec().toBuilder().traffic(d.rec().traffic().withSwapped(true)).build());
    }
    int target = d.frontendPort(rec.greenColour());
    List<String> failed = d.fleet().swapPort(target);
    if (!failed.isEmpty()) {
      return d.fleet().waitConverged("port " + rec.servicePort() + " -> " + target, applied.failing(failed));
    }
    d.fleet().settled();
    d.fleet().trafficChanged(BackendSetComposer.compose(d.rec(), d.rec().backendVersion(), Optional.of(green), blue).traffic());
    d.emit(EventKind.TRAFFIC_SHIFTED, "public port " + rec.servicePort() + " now redirects to green's frontend " + target);
    return d.rollout().finalizeSwitch(blue.map(b -> TaskSets.remainingBlue(d.rec(), b)).orElse(List.of()));
  }
}
