package io.zdd.coordinator.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.analysis.AnalysisPorts;
import io.zdd.coordinator.engine.fakes.FakeFleet;
import io.zdd.coordinator.engine.fakes.FakeMarathon;
import io.zdd.common.testing.MutableClock;
import io.zdd.coordinator.engine.fakes.RecordingStore;
import io.zdd.coordinator.engine.port.PendingOperationsProbe;
import io.zdd.coordinator.engine.port.PreKillHook;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Wires the engine to recording fakes and a fake clock, and checks the kill invariants on every
 * kill the fake Marathon performs: the task's server was reported drained (out of rotation, no
 * connection in any worker) by EVERY LB in the last sample, and its id was saved in the record
 * before the call. Violations are collected; tests assert there are none.
 */
final class Harness {
  static final GroupName GROUP = GroupName.of("web");

  final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T05:00:00Z"));
  final FakeMarathon marathon = new FakeMarathon(clock);
  final FakeFleet fleet;
  final RecordingStore store = new RecordingStore();
  final List<DeploymentEvent> events = new CopyOnWriteArrayList<>();
  final List<String> violations = new CopyOnWriteArrayList<>();
  /** Pending-operations gauge per "address:port"; absent reads as 0. Empty optional = unreachable. */
  final Map<String, OptionalDouble> gauges = new HashMap<>();
  final List<List<String>> probeCalls = new ArrayList<>();
  final List<String> hookCalls = new ArrayList<>();
  int hookExitCode = 0;
  /** When set, the engine runs this hook instead of the recording one. */
  PreKillHook preKillHook;
  long epoch = 1;
  /** Canary analysis: templates, Prometheus, webhooks; none by default. */
  AnalysisPorts analysis = AnalysisPorts.NONE;
  private int ids;

  /** Two LBs, lb1 and lb2, unless others are named. */
  Harness(String... lbs) {
    this(lbs.length == 0 ? new String[] {"lb1", "lb2"} : lbs, 0);
  }

  private Harness(String[] lbs, int unusedToTellTheConstructorsApart) {
    fleet = new FakeFleet(clock, lbs);
    marathon.beforeKill(tasks -> tasks.forEach(this::checkKill));
  }

  /** A fleet in which no LB serves the group. */
  static Harness withoutLbs() {
    return new Harness(new String[0], 0);
  }

  private void checkKill(FakeMarathon.Task t) {
    String server = t.address.replace('.', '_') + "_" + t.port;
    boolean everServed = fleet.all().stream().anyMatch(a -> !a.statesOf(server).isEmpty());
    if (everServed && !fleet.drainedEverywhere(server)) {
      violations.add("killed " + t.id + " (" + server + ") while some LB had not reported it drained");
    }
    DeploymentRecord r = store.load(GROUP).orElseThrow();
    boolean rollbackDelete = r.phase() == Phase.ROLLBACK && r.rollback().step() == RollbackStep.DELETE_GREEN;
    if (!r.killingTaskIds().contains(t.id) && !rollbackDelete) {
      violations.add("killed " + t.id + " without saving it in the record first (phase " + r.phase() + ")");
    }
  }

  EnginePorts ports() {
    PendingOperationsProbe probe = (metric, host, port, path) -> {
      probeCalls.add(List.of(metric, host, Integer.toString(port), path));
      return gauges.getOrDefault(host + ":" + port, OptionalDouble.of(0));
    };
    PreKillHook hook = new PreKillHook() {
      @Override
      public Set<String> names() {
        return Set.of("notify");
      }

      @Override
      public int run(String name, String oldApp, String ids, String newApp) {
        hookCalls.add(ids);
        return hookExitCode;
      }
    };
    return new EnginePorts(marathon, fleet, store, probe, preKillHook == null ? hook : preKillHook, events::add, clock,
        () -> Epoch.of(epoch), analysis);
  }

  /** Green's share of the READY servers' weight in a set, percent. */
  static double greenShare(BackendSet set) {
    long g = 0;
    long all = 0;
    for (BackendServer s : set.servers()) {
      if (s.adminState() == AdminState.READY) {
        all += s.weight();
        g += s.colour() == Colour.GREEN ? s.weight() : 0;
      }
    }
    return all == 0 ? 0 : 100.0 * g / all;
  }

  DeploymentEngine engine() {
    return new DeploymentEngine(ports(), () -> "d" + (++ids));
  }

  Deployment start(String appJson, DeploymentOptions options) {
    return engine().start(appJson, options);
  }

  Tick run(Deployment d) throws InterruptedException {
    return new DeploymentRunner(d, clock::advance, clock).runUntilDoneOrHeld();
  }

  Tick runFor(Deployment d, Duration budget) throws InterruptedException {
    return new DeploymentRunner(d, clock::advance, clock).runFor(budget);
  }

  static DeploymentOptions.Builder options() {
    return DeploymentOptions.builder().stepDelay(Duration.ofSeconds(5)).maxWait(Duration.ofSeconds(300))
        .healthTimeout(Duration.ofSeconds(120));
  }

  /** The user's app.json: nginx-like, Marathon 1.5 style, service port 10000, alt port 10001. */
  static String appJson(int instances) {
    return """
        {"id": "/web", "instances": %d, "cpus": 0.1, "mem": 64,
         "container": {"type": "DOCKER", "docker": {"image": "nginx"},
           "portMappings": [{"containerPort": 8080, "hostPort": 0, "servicePort": 10000}]},
         "networks": [{"mode": "container/bridge"}],
         "healthChecks": [{"protocol": "MESOS_HTTP", "path": "/", "portIndex": 0, "intervalSeconds": 3}],
         "labels": {"HAPROXY_DEPLOYMENT_GROUP": "web", "HAPROXY_DEPLOYMENT_ALT_PORT": "10001",
                    "HAPROXY_GROUP": "external"}}
        """.formatted(instances);
  }

  /** A running app as zdd would have left it: id /web-COLOUR on Marathon port {@code port}. */
  FakeMarathon.App seedApp(String colour, int instances, int port, String startedAt) {
    ObjectNode json = FakeMarathon.parse(appJson(instances));
    json.put("id", "/web-" + colour);
    ((ObjectNode) json.path("container").path("portMappings").path(0)).put("servicePort", port);
    ObjectNode labels = (ObjectNode) json.get("labels");
    labels.put("HAPROXY_DEPLOYMENT_COLOUR", colour);
    labels.put("HAPROXY_0_PORT", "10000");
    labels.put("HAPROXY_APP_ID", "/web");
    labels.put("HAPROXY_DEPLOYMENT_TARGET_INSTANCES", Integer.toString(instances));
    labels.put("HAPROXY_DEPLOYMENT_NEW_INSTANCES", "0");
    labels.put("HAPROXY_DEPLOYMENT_STARTED_AT", startedAt);
    return marathon.seed(json);
  }

  FakeMarathon.App seedBlue(int instances) {
    return seedApp("blue", instances, 10000, "2026-11-25T10:00:00.000000Z");
  }

  /** Marathon writes only, in order (what the zdd.py traces list). */
  List<String> writes() {
    return marathon.calls();
  }

  List<DeploymentEvent> events(EventKind kind) {
    return events.stream().filter(e -> e.kind() == kind).toList();
  }

  DeploymentRecord record() {
    return store.load(GROUP).orElseThrow();
  }

  /** Kill and admission invariants from both fakes. */
  List<String> allViolations() {
    List<String> out = new ArrayList<>(violations);
    out.addAll(fleet.violations);
    return out;
  }

  static String server(FakeMarathon.Task t) {
    return t.address.replace('.', '_') + "_" + t.port;
  }
}
