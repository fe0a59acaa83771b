package io.zdd.coordinator.dashboard;

import io.netty.channel.ChannelHandler;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.coordinator.admin.DeploymentQueries;
import io.zdd.coordinator.admin.OperatorControls;
import io.zdd.coordinator.engine.port.MarathonPort;
import io.zdd.coordinator.fleet.AgentFleet;
import io.zdd.coordinator.security.AuditTrail;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The web dashboard every coordinator serves on its HTTP port beside /metrics (see
 * docs/operations.md, "Dashboard"): wires the read model, logins, event streams and the HTTP
 * edge, and owns their threads. Its requests run on a pool of {@link #THREADS} threads with a
 * queue of {@link #QUEUE} (beyond: 503), so viewers cannot take more of the coordinator.
 */
public final class Dashboard implements AutoCloseable {
  static final int THREADS = 4;
  static final int QUEUE = 64;

  private final ThreadPoolExecutor work;
  private final ScheduledExecutorService timer;
  private final DashboardApi api;
  private final EventStreams streams;

  /**
   * @param self this coordinator's advertised admin address
   * @param leading whether this coordinator leads now
   * @param secureCookies the dashboard URL is https: session cookies get {@code Secure}
   */
  public Dashboard(DeploymentQueries queries, OperatorControls controls, DashboardLogins logins, AgentFleet fleet,
      MarathonPort marathon, AuditTrail audit, Supplier<Optional<String>> leaderAddress, Supplier<Boolean> leading,
      String self, boolean secureCookies, Clock clock) {
    this.work = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
        new NamedThreadFactory("dashboard"));
    this.work.allowCoreThreadTimeOut(true);
    this.timer = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("dashboard-timer"));
    Snapshots snapshots = new Snapshots(marathon, fleet, work, clock);
    DashboardView view = new DashboardView(queries, controls, fleet, snapshots, leaderAddress, leading, self, clock);
    this.api = new DashboardApi(view, logins, controls, audit, secureCookies);
    this.streams = new EventStreams(queries, view, timer, clock);
  }

  /** A new handler for each HTTP connection (it keeps the connection's event stream, if any). */
  public Supplier<ChannelHandler> handlers() {
    return () -> new DashboardHttpHandler(api, streams, work);
  }

  /**
   * Handlers for the metrics endpoint, made before the dashboard exists (the endpoint starts
   * first): until {@code current} holds one, the dashboard's paths answer 503.
   */
  public static Supplier<ChannelHandler> handlers(AtomicReference<Dashboard> current) {
    return () -> {
      Dashboard d = current.get();
      return d == null ? new NotReadyHandler() : d.handlers().get();
    };
  }

  @Override
  public void close() {
    timer.shutdownNow();
    work.shutdownNow();
  }
}
