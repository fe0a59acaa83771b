package io.zdd.common.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named components of one process, each started where the wiring declares it and stopped in the
 * reverse order. A process reads top to bottom as its start order:
 *
 * <pre>{@code
 * Server server = life.start("grpc server", () -> builder.build().start(), s -> s.shutdown());
 * }</pre>
 *
 * <p>If a start fails, the components already started are stopped (reverse order) and the failure
 * is rethrown; a group that stopped does not start again. A stop failure is logged and the
 * remaining components still stop. Wiring that can fail between two starts (checking an identity,
 * building a client) is the owner's to cover: it stops the group before rethrowing.
 */
public final class LifecycleGroup implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LifecycleGroup.class);

  /** Stops what a component's start built. */
  @FunctionalInterface
  public interface Stop<T> {
    void stop(T started) throws Exception;
  }

  private record Started<T>(String name, T value, Stop<T> stop) {
    void runStop() throws Exception {
      stop.stop(value);
    }
  }

  private final String owner;
  private final List<Started<?>> started = new ArrayList<>();
  private boolean stopped;

  public LifecycleGroup(String owner) {
    this.owner = owner;
  }

  /**
   * Starts one component now, after every component started before it, and returns what its
   * {@code start} built (never null); {@code stop} receives that value and runs before the stops
   * of the components started earlier. If {@code start} fails, everything already started is
   * stopped and the failure is rethrown.
   */
  public synchronized <T> T start(String name, Callable<T> start, Stop<T> stop) throws Exception {
    if (stopped) {
      throw new IllegalStateException(owner + " was stopped; lifecycles do not restart");
    }
    log.info("[{}] starting {}", owner, name);
    T value;
    try {
      value = Objects.requireNonNull(start.call(), () -> name + " started nothing to stop");
    } catch (Exception e) {
      log.error("[{}] {} failed to start; stopping what already started", owner, name, e);
      stop();
      throw e;
    }
    started.add(new Started<>(name, value, stop));
    return value;
  }

  /** Stops every started component in reverse order. Safe to call more than once. */
  public synchronized void stop() {
    stopped = true;
    for (int i = started.size() - 1; i >= 0; i--) {
      Started<?> s = started.get(i);
      log.info("[{}] stopping {}", owner, s.name());
      try {
        s.runStop();
      } catch (Exception e) {
        log.warn("[{}] {} failed to stop cleanly", owner, s.name(), e);
      }
    }
    started.clear();
  }

  /** Names of the components currently started, in start order. */
  public synchronized List<String> startedNames() {
    return started.stream().map(Started::name).toList();
  }

  @Override
  public void close() {
    stop();
  }
}
