package io.zdd.coordinator.service;

import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.logging.LogContext;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.Deployment;
import io.zdd.coordinator.engine.DeploymentEngine;
import io.zdd.coordinator.engine.DeploymentOptions;
import io.zdd.coordinator.engine.DeploymentPlan;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.DeploymentRunner;
import io.zdd.coordinator.engine.Tick;
import io.zdd.coordinator.engine.port.Sleeper;
import io.zdd.coordinator.ha.LeaderTerm;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's deployment work for one leader term: resumes every deployment the store says is
 * running, starts new ones, and drives each on its own thread until it is done or held. Controls
 * (pause, resume, promote, abort) go to the running {@link Deployment} and wake its driver.
 * {@link #close()} interrupts every driver; since the engine persists before it acts, the next
 * leader carries on from the stored record.
 */
public final class DeploymentSupervisor implements LeaderTerm {
  private static final Logger log = LoggerFactory.getLogger(DeploymentSupervisor.class);

  private final Epoch epoch;
  private final DeploymentEngine engine;
  private final Sleeper sleeper;
  private final Clock clock;
  private final ExecutorService drivers;
  private final Map<GroupName, Running> running = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private static final class Running {
    final Deployment deployment;
    final Object wake = new Object();
    boolean woken;

    Running(Deployment d) {
      this.deployment = d;
    }
  }

  public DeploymentSupervisor(Epoch epoch, DeploymentEngine engine, Sleeper sleeper, Clock clock) {
    this.epoch = epoch;
    this.engine = engine;
    this.sleeper = sleeper;
    this.clock = clock;
    this.drivers = Executors.newCachedThreadPool(new NamedThreadFactory("deployment-e" + epoch.value()));
  }

  @Override
  public Epoch epoch() {
    return epoch;
  }

  /** Takes over every deployment the store lists as running. */
  public void resumeAll(List<GroupName> groups) {
    for (GroupName g : groups) {
      try {
        engine.resume(g).ifPresent(this::drive);
      } catch (RuntimeException e) {
        log.error("[group={}] cannot resume its deployment under epoch {}: {}", g, epoch, e.getMessage(), e);
      }
    }
  }

  /**
   * Starts a deployment. Synchronized with {@link #betweenDeployments}, so the steady-state
   * reconciler never saves a group's record over one a starting deployment just wrote.
   */
  public synchronized DeploymentRecord start(String appJson, DeploymentOptions options) {
    Deployment d = engine.start(appJson, options);
    drive(d);
    return d.record();
  }

  /** Runs work that must not interleave with a deployment start (see {@link #start}). */
  public synchronized void betweenDeployments(Runnable work) {
    if (!closed) {
      work.run();
    }
  }

  public DeploymentPlan plan(String appJson, DeploymentOptions options) {
    return engine.plan(appJson, options);
  }

  /** The running deployment with this id, or of this group when id is empty. */
  public Optional<Deployment> find(String id, String group) {
    return running.values().stream().map(r -> r.deployment)
        .filter(d -> id.isEmpty() ? d.record().group().value().equals(group) : d.id().equals(id))
        .findFirst();
  }

  /** Applies a control and wakes the deployment's driver so it acts on it at once. */
  public DeploymentRecord control(String id, String group, Function<Deployment, DeploymentRecord> op) {
    Running r = running.values().stream()
        .filter(x -> id.isEmpty() ? x.deployment.record().group().value().equals(group) : x.deployment.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new NotFoundException("no running deployment "
            + (id.isEmpty() ? "for group " + group : id) + " on the leader"));
    DeploymentRecord after = op.apply(r.deployment);
    synchronized (r.wake) {
      r.woken = true;
      r.wake.notifyAll();
    }
    return after;
  }

  private void drive(Deployment d) {
    GroupName g = d.record().group();
    Running r = new Running(d);
    if (running.putIfAbsent(g, r) != null) {
      throw new ConflictException("group " + g + " already has a running deployment");
    }
    drivers.submit(() -> {
      try (LogContext ctx = LogContext.deployment(d.id()); LogContext gctx = LogContext.group(g.value())) {
        DeploymentRunner runner = new DeploymentRunner(d, sleeper, clock);
        while (!closed) {
          Tick t = runner.runUntilDoneOrHeld();
          if (t.kind() == Tick.Kind.DONE) {
            log.info("finished: {} ({})", d.record().outcome(), d.record().message());
            return;
          }
          log.info("held: {}", t.reason());
          synchronized (r.wake) {
            while (!r.woken && !closed) {
              r.wake.wait(1000);
            }
            r.woken = false;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.info("driver stopped (leader term {} closing)", epoch);
      } catch (RuntimeException e) {
        log.error("driver failed; the next leader term will resume it", e);
      } finally {
        running.remove(g, r);
      }
    });
  }

  public List<DeploymentRecord> runningRecords() {
    return running.values().stream().map(r -> r.deployment.record()).toList();
  }

  @Override
  public void close() {
    closed = true;
    drivers.shutdownNow();
    try {
      if (!drivers.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("deployment drivers of epoch {} did not stop within 10 s", epoch);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
