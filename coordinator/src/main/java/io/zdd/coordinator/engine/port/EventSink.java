package io.zdd.coordinator.engine.port;

import io.zdd.coordinator.engine.DeploymentEvent;

/** Receives every deployment event (the CLI live view, metrics, the admin API's watch stream). */
@FunctionalInterface
public interface EventSink {
  void accept(DeploymentEvent event);
}
