package io.zdd.coordinator.engine;

import io.zdd.common.model.Epoch;
import io.zdd.coordinator.engine.analysis.AnalysisPorts;
import io.zdd.coordinator.engine.port.DeploymentStore;
import io.zdd.coordinator.engine.port.EventSink;
import io.zdd.coordinator.engine.port.LbFleetPort;
import io.zdd.coordinator.engine.port.MarathonPort;
import io.zdd.coordinator.engine.port.PendingOperationsProbe;
import io.zdd.coordinator.engine.port.PreKillHook;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * Everything the engine talks to. {@code epoch} is read on every fleet call, so a deposed leader
 * sends its own (older) epoch and the agents refuse it.
 */
public record EnginePorts(
    MarathonPort marathon,
    LbFleetPort fleet,
    DeploymentStore store,
    PendingOperationsProbe pendingProbe,
    PreKillHook preKillHook,
    EventSink events,
    Clock clock,
    Supplier<Epoch> epoch,
    AnalysisPorts analysis) {

  public EnginePorts {
    analysis = analysis == null ? AnalysisPorts.NONE : analysis;
  }

  /** Ports without canary analysis (no templates, no Prometheus, no webhooks). */
  public EnginePorts(MarathonPort marathon, LbFleetPort fleet, DeploymentStore store, PendingOperationsProbe pendingProbe,
      PreKillHook preKillHook, EventSink events, Clock clock, Supplier<Epoch> epoch) {
    this(marathon, fleet, store, pendingProbe, preKillHook, events, clock, epoch, AnalysisPorts.NONE);
  }
}
