package io.zdd.coordinator.service;

import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.port.EventSink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Keeps every deployment's events (bounded per deployment and in number of deployments) so a
 * watcher that connects late gets the whole story replayed, then live events. Events are
 * renumbered per deployment here, so a deployment resumed by a new leader keeps one sequence.
 */
public final class EventLog implements EventSink {
  private static final int MAX_EVENTS_PER_DEPLOYMENT = 5_000;
  private static final int MAX_DEPLOYMENTS = 100;

  /** A watcher of one deployment; return false from {@code accept} to stop watching. */
  public interface Watcher {
    boolean accept(DeploymentEvent event);
  }

  private final Map<String, List<DeploymentEvent>> events = new LinkedHashMap<>();
  private final Map<String, List<Watcher>> watchers = new HashMap<>();
  private final List<Consumer<DeploymentEvent>> listeners = new CopyOnWriteArrayList<>();

  /** Every event of every deployment (metrics, logs). */
  public void addListener(Consumer<DeploymentEvent> listener) {
    listeners.add(listener);
  }

  @Override
  public void accept(DeploymentEvent e) {
    DeploymentEvent numbered;
    List<Watcher> toNotify;
    synchronized (this) {
      String id = e.deployment().id();
      List<DeploymentEvent> list = events.computeIfAbsent(id, k -> new ArrayList<>());
      numbered = new DeploymentEvent(list.isEmpty() ? 1 : list.get(list.size() - 1).sequence() + 1, e.at(), e.kind(),
          e.message(), e.deployment(), e.killedTaskIds(), e.drain(), e.traffic());
      list.add(numbered);
      if (list.size() > MAX_EVENTS_PER_DEPLOYMENT) {
        list.remove(1); // keep the first event (the start) and the newest ones
      }
      while (events.size() > MAX_DEPLOYMENTS) {
        String oldest = events.keySet().iterator().next();
        events.remove(oldest);
      }
      toNotify = List.copyOf(watchers.getOrDefault(id, List.of()));
    }
    for (Watcher w : toNotify) {
      if (!w.accept(numbered)) {
        unwatch(numbered.deployment().id(), w);
      }
    }
    listeners.forEach(l -> l.accept(numbered));
  }

  /** Replays the deployment's events to {@code w}, then delivers new ones until it declines. */
  public void watch(String deploymentId, Watcher w) {
    List<DeploymentEvent> replay;
    synchronized (this) {
      replay = List.copyOf(events.getOrDefault(deploymentId, List.of()));
      watchers.computeIfAbsent(deploymentId, k -> new CopyOnWriteArrayList<>()).add(w);
    }
    for (DeploymentEvent e : replay) {
      if (!w.accept(e)) {
        unwatch(deploymentId, w);
        return;
      }
    }
  }

  public synchronized void unwatch(String deploymentId, Watcher w) {
    List<Watcher> l = watchers.get(deploymentId);
    if (l != null) {
      l.remove(w);
    }
  }

  public synchronized List<DeploymentEvent> events(String deploymentId) {
    return List.copyOf(events.getOrDefault(deploymentId, List.of()));
  }

  /** The newest event of a deployment, if any (carries the latest traffic and drain figures). */
  public synchronized java.util.Optional<DeploymentEvent> latest(String deploymentId) {
    List<DeploymentEvent> l = events.get(deploymentId);
    return l == null || l.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(l.get(l.size() - 1));
  }
}
