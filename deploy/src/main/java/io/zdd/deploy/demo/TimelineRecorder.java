package io.zdd.deploy.demo;

import io.grpc.ManagedChannel;
import io.zdd.common.concurrent.Backoff;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.ServerConnections;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.LbDrainProgress;
import io.zdd.coordinator.engine.TrafficShare;
import io.zdd.coordinator.fleet.ConnectionSubscription;
import io.zdd.deploy.cluster.LoadGenerator;
import io.zdd.deploy.report.DemoTimeline;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Records what the demo shows: once a second the load generator's counts, the traffic share the
 * coordinators report, and each LB's connections per server (from its own connection stream to
 * every agent, independent of the coordinators); phase changes of every deployment; and per-LB
 * drain time. Produces the {@link DemoTimeline} the report is drawn from.
 */
final class TimelineRecorder implements AutoCloseable {
  private final Instant start;
  private final long startNanos = System.nanoTime();
  private final LoadGenerator load;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, new NamedThreadFactory("timeline"));
  private final List<ConnectionSubscription> subscriptions = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final Map<AgentId, ConnectionSample> latest = new ConcurrentHashMap<>();
  private final List<DemoTimeline.Sample> samples = new ArrayList<>();
  private final List<DemoTimeline.PhaseMarker> markers = new ArrayList<>();
  private final List<DemoTimeline.AnalysisEntry> analysis = new ArrayList<>();
  private final Map<String, String> names = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Double>> drainSeconds = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Double>> drainSince = new ConcurrentHashMap<>();
  private volatile Map<String, Double> traffic = new LinkedHashMap<>();
  private volatile String currentName = "";
  private long lastOk;
  private long lastFailed;

  /** Takes ownership of the channels (one per agent id): they are shut down with the recorder. */
  TimelineRecorder(LoadGenerator load, Map<String, ManagedChannel> agentChannels) {
    this.start = Instant.now();
    this.load = load;
    agentChannels.forEach((id, ch) -> {
      channels.add(ch);
      ConnectionSubscription s = new ConnectionSubscription(AgentId.of(id), ch,
          WatchConnectionsRequest.newBuilder().setIntervalMs(250).build(), scheduler, Backoff.standard(),
          Clock.systemUTC(), sample -> latest.put(sample.agent(), sample));
      subscriptions.add(s);
      s.start();
    });
    var unused = scheduler.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
  }

  double now() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** The display name of the deployment started next (events are attributed to it). */
  void nextDeployment(String name) {
    currentName = name;
  }

  synchronized void onEvent(DeploymentEvent e) {
    String id = e.deployment().id();
    String name = names.computeIfAbsent(id, k -> currentName);
    double t = now();
    if (e.kind() == EventKind.PHASE_CHANGED || e.kind() == EventKind.EPOCH_CHANGED
        || e.kind() == EventKind.FINISHED || e.kind() == EventKind.WAITING_FOR_PROMOTE) {
      String label = e.kind() == EventKind.PHASE_CHANGED ? e.deployment().phase().name()
          : e.kind() == EventKind.EPOCH_CHANGED ? "new leader (epoch " + e.deployment().epoch() + ")"
          : e.kind() == EventKind.FINISHED ? e.deployment().outcome().name() : "hold";
      double mt = markers.isEmpty() ? t : Math.max(t, markers.get(markers.size() - 1).t());
      markers.add(new DemoTimeline.PhaseMarker(mt, name, label));
    }
    if (e.kind() == EventKind.ANALYSIS) {
      analysis.add(new DemoTimeline.AnalysisEntry(t, name, e.message(), e.analysis().stream()
          .map(r -> r.verdict().label() + " " + r.describe()).toList()));
    }
    if (!e.traffic().isEmpty()) {
      Map<String, Double> m = new LinkedHashMap<>();
      for (TrafficShare s : e.traffic()) {
        // By role (green = the new version, blue = the live one), as the CLI and dashboard say it.
        m.put(s.colour() == e.deployment().greenColour() ? "green" : "blue", s.percent());
      }
      traffic = m;
    }
    for (LbDrainProgress p : e.drain()) {
      Map<String, Double> since = drainSince.computeIfAbsent(name, k -> new ConcurrentHashMap<>());
      Map<String, Double> total = drainSeconds.computeIfAbsent(name, k -> new LinkedHashMap<>());
      String lb = p.agent().value();
      boolean drained = p.fresh() && p.serversDrained() == p.serversTotal();
      if (!drained) {
        since.putIfAbsent(lb, t);
        total.putIfAbsent(lb, 0.0);
      } else if (since.containsKey(lb)) {
        total.merge(lb, t - since.remove(lb), Double::sum);
      } else {
        total.putIfAbsent(lb, 0.0);
      }
    }
  }

  private synchronized void sample() {
    LoadGenerator.Stats s = load.stats();
    Map<String, Map<String, Long>> conns = new LinkedHashMap<>();
    latest.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(en -> {
      Map<String, Long> servers = new LinkedHashMap<>();
      for (ServerConnections sc : en.getValue().servers()) {
        servers.put(shortName(sc.server()), (long) sc.scur());
      }
      conns.put(en.getKey().value(), servers);
    });
    double t = now();
    if (!samples.isEmpty() && t <= samples.get(samples.size() - 1).t()) {
      return;
    }
    samples.add(new DemoTimeline.Sample(t, s.ok() - lastOk, s.failed() - lastFailed, traffic, conns));
    lastOk = s.ok();
    lastFailed = s.failed();
  }

  /** Server names are task ids; keep the app and a short task suffix so the legend stays small. */
  private static String shortName(String server) {
    int dot = server.indexOf('.');
    if (dot < 0 || server.length() <= 24) {
      return server;
    }
    return server.substring(0, dot) + "." + server.substring(dot + 1, Math.min(server.length(), dot + 7));
  }

  /** The id of the deployment shown as {@code name}, once its first event arrived. */
  String idOf(String name) {
    return names.entrySet().stream().filter(e -> e.getValue().equals(name)).map(Map.Entry::getKey).findFirst().orElse(null);
  }

  Map<String, Double> drainSeconds(String name) {
    return drainSeconds.getOrDefault(name, Map.of());
  }

  /**
   * @param badVersion the version deliberately deployed bad, whose own failed answers are
   *     counted apart ({@link DemoTimeline.Totals#canaryFailures}); empty for none
   */
  DemoTimeline timeline(String title, List<DemoTimeline.DeploymentSummary> deployments, String badVersion) {
    synchronized (this) {
      sample();
      LoadGenerator.Stats s = load.stats();
      long canary = badVersion.isEmpty() ? 0 : s.failedByVersion().entrySet().stream()
          .filter(e -> e.getKey().startsWith(badVersion + "/")).mapToLong(Map.Entry::getValue).sum();
      return new DemoTimeline(title, start, samples, markers, deployments,
          new DemoTimeline.Totals(s.requests(), s.failed(), s.ratePerSecond(), canary), analysis);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    subscriptions.forEach(ConnectionSubscription::close);
    channels.forEach(ManagedChannel::shutdownNow);
  }

  static String outcome(io.zdd.coordinator.engine.Outcome o) {
    return o.name().toLowerCase(Locale.ROOT);
  }
}
