package io.zdd.coordinator.engine.fakes;

import io.zdd.common.testing.MutableClock;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.NotFoundException;
import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.MarathonPort;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A recording Marathon in memory with real Marathon's side effects: scaling starts or kills tasks
 * (youngest first) and bumps {@code versionInfo.lastScalingAt}; {@code tasks/delete?scale=true}
 * kills and lowers {@code instances} and bumps it too; a new task is healthy after
 * {@link #healthyAfter}; {@code deployments} is non-empty until every task is healthy. Faults can
 * be queued per operation ("create", "scale", "kill", "delete", "get", "list").
 */
public final class FakeMarathon implements MarathonPort {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static final class Task {
    public final String id;
    public final String address;
    public final int port;
    public final Instant startedAt;

    Task(String id, String address, int port, Instant startedAt) {
      this.id = id;
      this.address = address;
      this.port = port;
      this.startedAt = startedAt;
    }
  }

  public static final class App {
    public ObjectNode json;
    public String id;
    public int instances;
    public final List<Task> tasks = new ArrayList<>();
    public Instant lastScalingAt;
    public Duration healthyAfter;
    public boolean neverHealthy;
  }

  private final MutableClock clock;
  private final Map<String, App> apps = new TreeMap<>();
  private final Map<String, Deque<RuntimeException>> faults = new HashMap<>();
  private final List<String> calls = new ArrayList<>();
  private final List<String> killedTaskIds = new ArrayList<>();
  private final Set<String> neverHealthyApps = new HashSet<>();
  private final Map<String, Integer> healthyLimit = new HashMap<>();
  private final Map<String, Integer> taskSeq = new HashMap<>();
  private int nextPort = 31000;
  private int nextHost = 1;
  /** Called with the tasks just before a kill (scale down, tasks/delete or app delete) takes effect. */
  private Consumer<List<Task>> beforeKill = tasks -> { };
  public Duration healthyAfter = Duration.ofSeconds(10);
  /** Tasks to report as TASK_KILLING (a kill someone else already sent and Marathon is carrying out). */
  public final Set<String> reportKilling = new HashSet<>();

  public FakeMarathon(MutableClock clock) {
    this.clock = clock;
  }

  // ---------------------------------------------------------------- test controls

  public synchronized void failNext(String operation, RuntimeException e) {
    faults.computeIfAbsent(operation, k -> new ArrayDeque<>()).add(e);
  }

  public synchronized void failAlways(String operation, RuntimeException e, int times) {
    for (int i = 0; i < times; i++) {
      failNext(operation, e);
    }
  }

  public synchronized void clearFaults() {
    faults.clear();
  }

  /** Only the first {@code n} tasks ever started for the app get healthy; later ones never do. */
  public synchronized void healthyTaskLimit(String appId, int n) {
    healthyLimit.put(appId, n);
  }

  public synchronized void neverHealthy(String appId) {
    neverHealthyApps.add(appId);
  }

  public synchronized void beforeKill(Consumer<List<Task>> check) {
    beforeKill = check;
  }

  /** Marathon calls in order: "POST /web-green 1", "PUT /web-green 2", "KILL /web-blue [ids]", "DELETE /web-blue". */
  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  /** Writes only (no GETs). */
  public synchronized List<String> writes() {
    return List.copyOf(calls);
  }

  public synchronized List<String> killedTaskIds() {
    return List.copyOf(killedTaskIds);
  }

  public synchronized Optional<App> app(String id) {
    return Optional.ofNullable(apps.get(id));
  }

  public synchronized Set<String> appIds() {
    return Set.copyOf(apps.keySet());
  }

  /** An app that is already running (healthy tasks started an hour ago), as a previous deploy left it. */
  public synchronized App seed(ObjectNode json) {
    App app = new App();
    app.json = json.deepCopy();
    app.id = json.get("id").asText();
    app.instances = json.path("instances").asInt(1);
    app.lastScalingAt = clock.instant().minus(Duration.ofHours(1));
    apps.put(app.id, app);
    for (int i = 0; i < app.instances; i++) {
      startTask(app, clock.instant().minus(Duration.ofHours(1)));
    }
    return app;
  }

  // ---------------------------------------------------------------- MarathonPort

  @Override
  public synchronized List<AppStatus> listAppsInGroup(String group) {
    fault("list");
    return apps.values().stream()
        .filter(a -> group.equals(a.json.path("labels").path("HAPROXY_DEPLOYMENT_GROUP").asText()))
        .map(this::status).toList();
  }

  @Override
  public synchronized AppStatus getApp(String appId) {
    fault("get");
    App app = apps.get(appId);
    if (app == null) {
      throw new NotFoundException("App '" + appId + "' does not exist");
    }
    return status(app);
  }

  @Override
  public synchronized void createApp(AppDefinition def) {
    fault("create");
    if (apps.containsKey(def.id())) {
      throw new ConflictException("An app with id [" + def.id() + "] already exists.");
    }
    App app = new App();
    app.json = def.json();
    app.id = def.id();
    app.instances = def.instances();
    app.lastScalingAt = clock.instant();
    app.neverHealthy = neverHealthyApps.contains(app.id);
    apps.put(app.id, app);
    for (int i = 0; i < app.instances; i++) {
      startTask(app, clock.instant());
    }
    calls.add("POST " + app.id + " " + app.instances);
  }

  @Override
  public synchronized void scaleApp(String appId, int instances) {
    fault("scale");
    App app = require(appId);
    calls.add("PUT " + appId + " " + instances);
    while (app.tasks.size() < instances) {
      startTask(app, clock.instant());
    }
    while (app.tasks.size() > instances) {
      Task youngest = app.tasks.get(app.tasks.size() - 1);
      beforeKill.accept(List.of(youngest));
      app.tasks.remove(youngest);
      killedTaskIds.add(youngest.id);
    }
    app.instances = instances;
    app.lastScalingAt = clock.instant();
  }

  @Override
  public synchronized void killTasksAndScale(String appId, Collection<String> taskIds) {
    fault("kill");
    App app = require(appId);
    List<String> ids = taskIds.stream().filter(id -> app.tasks.stream().anyMatch(t -> t.id.equals(id))).toList();
    calls.add("KILL " + appId + " " + List.copyOf(taskIds));
    beforeKill.accept(app.tasks.stream().filter(t -> ids.contains(t.id)).toList());
    app.tasks.removeIf(t -> ids.contains(t.id));
    killedTaskIds.addAll(ids);
    app.instances = Math.max(0, app.instances - ids.size());
    // Real Marathon counts a kill with scale=true as a scaling: zdd.py's drain stall came from this.
    app.lastScalingAt = clock.instant();
  }

  @Override
  public synchronized void deleteApp(String appId) {
    fault("delete");
    App app = require(appId);
    calls.add("DELETE " + appId);
    List<String> ids = app.tasks.stream().map(t -> t.id).toList();
    beforeKill.accept(List.copyOf(app.tasks));
    killedTaskIds.addAll(ids);
    apps.remove(appId);
  }

  // ---------------------------------------------------------------- internals

  private App require(String appId) {
    App app = apps.get(appId);
    if (app == null) {
      throw new NotFoundException("App '" + appId + "' does not exist");
    }
    return app;
  }

  private void fault(String op) {
    Deque<RuntimeException> q = faults.get(op);
    if (q != null && !q.isEmpty()) {
      throw q.poll();
    }
  }

  private void startTask(App app, Instant at) {
    String base = app.id.substring(1);
    int seq = taskSeq.merge(base, 1, Integer::sum);
    String id = String.format("%s.%04d", base, seq);
    app.tasks.add(new Task(id, "10.0." + (nextHost / 250) + "." + (nextHost % 250 + 1), nextPort++, at));
    nextHost++;
  }

  private boolean healthy(App app, Task t) {
    if (app.neverHealthy || neverHealthyApps.contains(app.id)) {
      return false;
    }
    Integer limit = healthyLimit.get(app.id);
    if (limit != null && Integer.parseInt(t.id.substring(t.id.lastIndexOf('.') + 1)) > limit) {
      return false;
    }
    Duration after = app.healthyAfter != null ? app.healthyAfter : healthyAfter;
    return !clock.instant().isBefore(t.startedAt.plus(after));
  }

  private AppStatus status(App app) {
    List<TaskStatus> tasks = app.tasks.stream()
        .map(t -> new TaskStatus(t.id, "agent-" + t.address, t.address, List.of(t.port), healthy(app, t),
            reportKilling.contains(t.id) ? "TASK_KILLING" : "TASK_RUNNING"))
        .toList();
    boolean deploying = tasks.size() != app.instances || tasks.stream().anyMatch(t -> !t.healthy());
    Map<String, String> labels = new LinkedHashMap<>();
    app.json.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    ObjectNode json = app.json.deepCopy();
    json.put("instances", app.instances);
    json.putObject("versionInfo").put("lastScalingAt", app.lastScalingAt.toString());
    int port = servicePort(app.json);
    return new AppStatus(app.id, app.instances, labels, deploying, tasks, port > 0 ? List.of(port) : List.of(),
        Optional.of(app.lastScalingAt), json);
  }

  private static int servicePort(ObjectNode json) {
    int p = json.path("container").path("docker").path("portMappings").path(0).path("servicePort").asInt(-1);
    if (p < 0) {
      p = json.path("container").path("portMappings").path(0).path("servicePort").asInt(-1);
    }
    if (p < 0) {
      p = json.path("portDefinitions").path(0).path("port").asInt(-1);
    }
    if (p < 0) {
      p = json.path("ports").path(0).asInt(-1);
    }
    return p;
  }

  public static ObjectNode parse(String json) {
    try {
      return (ObjectNode) MAPPER.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
