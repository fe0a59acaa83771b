package io.zdd.common.lifecycle;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts components in the order they were added and stops them in reverse. Both directions are
 * idempotent. If a start fails, the components already started are stopped (reverse order) and
 * the failure is rethrown. A stop failure is logged and the remaining components still stop.
 */
public final class LifecycleGroup implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LifecycleGroup.class);

  /** One component's start and stop. */
  public interface Component {
    void start() throws Exception;

    void stop() throws Exception;
  }

  private record Named(String name, Component component) {}

  private final String owner;
  private final List<Named> components = new ArrayList<>();
  private final List<Named> started = new ArrayList<>();
  private boolean stopped;

  public LifecycleGroup(String owner) {
    this.owner = owner;
  }

  /** Adds a component; it starts after every component added before it. */
  public synchronized LifecycleGroup add(String name, Component component) {
    components.add(new Named(name, component));
    return this;
  }

  /** Adds something that only needs stopping (a resource already open). */
  public synchronized LifecycleGroup addCloseable(String name, AutoCloseable closeable) {
    return add(name, new Component() {
      @Override
      public void start() {}

      @Override
      public void stop() throws Exception {
        closeable.close();
      }
    });
  }

  public synchronized void start() throws Exception {
    if (stopped) {
      throw new IllegalStateException(owner + " was stopped; lifecycles do not restart");
    }
    for (Named n : components) {
      if (started.contains(n)) {
        continue;
      }
      log.info("[{}] starting {}", owner, n.name);
      try {
        n.component.start();
      } catch (Exception e) {
        log.error("[{}] {} failed to start; stopping what already started", owner, n.name, e);
        stop();
        throw e;
      }
      started.add(n);
    }
  }

  /** Stops every started component in reverse order. Safe to call more than once. */
  public synchronized void stop() {
    stopped = true;
    for (int i = started.size() - 1; i >= 0; i--) {
      Named n = started.get(i);
      log.info("[{}] stopping {}", owner, n.name);
      try {
        n.component.stop();
      } catch (Exception e) {
        log.warn("[{}] {} failed to stop cleanly", owner, n.name, e);
      }
    }
    started.clear();
  }

  /** Names of the components currently started, in start order. */
  public synchronized List<String> startedNames() {
    return started.stream().map(Named::name).toList();
  }

  @Override
  public void close() {
    stop();
  }
}
