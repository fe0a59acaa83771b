package io.zdd.coordinator.service;

import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.port.EventSink;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

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

    /**
     * False while the watcher cannot take an event now (its client reads slowly): events wait in
     * its bounded queue until {@link Watch#resume()} is called.
     */
    default boolean ready() {
      return true;
    }

    /** It fell more than the queue's bound behind and was dropped; called once, after which nothing more comes. */
    default void overflowed() {}
  }

  /** A running watch. */
  public interface Watch {
    /** The watcher is ready again: deliver what waited. */
    void resume();

    /** Deliver nothing more. */
    void stop();
  }

  /** Events a watcher may have queued by default before it is cut off as too slow. */
  static final int MAX_QUEUED_PER_WATCHER = MAX_EVENTS_PER_DEPLOYMENT * 2;

  private final int maxQueuedPerWatcher;

  public EventLog() {
    this(MAX_QUEUED_PER_WATCHER);
  }

  /** @param maxQueuedPerWatcher events a watcher may fall behind before it is dropped */
  EventLog(int maxQueuedPerWatcher) {
    this.maxQueuedPerWatcher = maxQueuedPerWatcher;
  }

  /**
   * One watcher's place in the log: replay and live events enter its queue in the log's order
   * (under the log's lock) and leave it in that order (under the cursor's lock), so a live event
   * can never overtake the history, nor two live events each other.
   */
  private final class Cursor {
    private final String deploymentId;
    private final Watcher watcher;
    private final ArrayDeque<DeploymentEvent> queue = new ArrayDeque<>();
    private boolean done;
    private boolean overflowed;

    Cursor(String deploymentId, Watcher watcher) {
      this.deploymentId = deploymentId;
      this.watcher = watcher;
    }

    /** Caller holds the log's lock. */
    void enqueue(DeploymentEvent e) {
      synchronized (queue) {
        if (done) {
          return;
        }
        if (queue.size() >= maxQueuedPerWatcher) {
          // A watcher this far behind is dropped rather than let its queue grow without bound.
          done = true;
          overflowed = true;
          queue.clear();
          return;
        }
        queue.add(e);
      }
    }

    synchronized void drain() {
      while (true) {
        boolean stopped;
        boolean overflow;
        synchronized (queue) {
          stopped = done;
          overflow = overflowed;
          overflowed = false;
        }
        if (stopped) {
          unwatch(deploymentId, this);
          if (overflow) {
            watcher.overflowed();
          }
          return;
        }
        if (!watcher.ready()) {
          return; // flow control: the queue holds the rest until resume()
        }
        DeploymentEvent next;
        synchronized (queue) {
          next = queue.poll();
        }
        if (next == null) {
          return;
        }
        if (!watcher.accept(next)) {
          stop();
        }
      }
    }

    void stop() {
      synchronized (queue) {
        done = true;
      }
    }
  }

  private final Map<String, List<DeploymentEvent>> events = new LinkedHashMap<>();
  private final Map<String, List<Cursor>> watchers = new HashMap<>();
  private final List<Consumer<DeploymentEvent>> listeners = new CopyOnWriteArrayList<>();

  /** Every event of every deployment (metrics, logs). */
  public void addListener(Consumer<DeploymentEvent> listener) {
    listeners.add(listener);
  }

  @Override
  public void accept(DeploymentEvent e) {
    DeploymentEvent numbered;
    List<Cursor> toNotify;
    synchronized (this) {
      String id = e.deployment().id();
      List<DeploymentEvent> list = events.computeIfAbsent(id, k -> new ArrayList<>());
      numbered = new DeploymentEvent(list.isEmpty() ? 1 : list.get(list.size() - 1).sequence() + 1, e.at(), e.kind(),
          e.message(), e.deployment(), e.killedTaskIds(), e.drain(), e.traffic(), e.analysis());
      list.add(numbered);
      if (list.size() > MAX_EVENTS_PER_DEPLOYMENT) {
        list.remove(1); // keep the first event (the start) and the newest ones
      }
      while (events.size() > MAX_DEPLOYMENTS) {
        String oldest = events.keySet().iterator().next();
        events.remove(oldest);
      }
      toNotify = List.copyOf(watchers.getOrDefault(id, List.of()));
      toNotify.forEach(c -> c.enqueue(numbered));
    }
    toNotify.forEach(Cursor::drain);
    listeners.forEach(l -> l.accept(numbered));
  }

  /**
   * Replays the deployment's events to {@code w}, then delivers new ones, all in order, while it is
   * ready, until it declines, falls too far behind, or the returned watch is stopped.
   */
  public Watch watch(String deploymentId, Watcher w) {
    Cursor cursor = new Cursor(deploymentId, w);
    synchronized (this) {
      events.getOrDefault(deploymentId, List.of()).forEach(cursor::enqueue);
      watchers.computeIfAbsent(deploymentId, k -> new CopyOnWriteArrayList<>()).add(cursor);
    }
    cursor.drain();
    return new Watch() {
      @Override
      public void resume() {
        cursor.drain();
      }

      @Override
      public void stop() {
        cursor.stop();
        unwatch(deploymentId, cursor);
      }
    };
  }

  private synchronized void unwatch(String deploymentId, Cursor c) {
    List<Cursor> l = watchers.get(deploymentId);
    if (l != null) {
      l.remove(c);
      if (l.isEmpty()) {
        watchers.remove(deploymentId);
      }
    }
  }

  public synchronized List<DeploymentEvent> events(String deploymentId) {
    return List.copyOf(events.getOrDefault(deploymentId, List.of()));
  }

  /** The newest event of a deployment that {@code which} accepts, if any. */
  public synchronized Optional<DeploymentEvent> latest(String deploymentId, Predicate<DeploymentEvent> which) {
    List<DeploymentEvent> l = events.getOrDefault(deploymentId, List.of());
    for (int i = l.size() - 1; i >= 0; i--) {
      if (which.test(l.get(i))) {
        return Optional.of(l.get(i));
      }
    }
    return Optional.empty();
  }

  /** The newest event of a deployment, if any (carries the latest traffic and drain figures). */
  public synchronized Optional<DeploymentEvent> latest(String deploymentId) {
    List<DeploymentEvent> l = events.get(deploymentId);
    return l == null || l.isEmpty() ? Optional.empty() : Optional.of(l.get(l.size() - 1));
  }
}
