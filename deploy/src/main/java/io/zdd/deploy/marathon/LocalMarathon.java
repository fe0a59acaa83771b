package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.concurrent.NamedThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Marathon-compatible scheduler that runs app instances as local processes. It owns the state
 * (apps, tasks, deployments) and the reconciliation that keeps each app at {@code instances}
 * running, healthy tasks of its current configuration. {@link MarathonHttpServer} puts Marathon's
 * REST API in front of it.
 *
 * <p>Threads: one scheduler thread runs reconciliation, state transitions and timers; a small pool
 * runs health probes (they block on the network). All state is guarded by this object's monitor;
 * events are published under it, so the event stream has the order the state changed in.
 */
public final class LocalMarathon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalMarathon.class);
  private static final int PROBE_THREADS = 2;
  private static final Duration TREE_SCAN_INTERVAL = Duration.ofSeconds(2);

  /** What to put into an app's JSON besides its definition. */
  public enum Embed {
    TASKS,
    COUNTS,
    DEPLOYMENTS,
    LAST_TASK_FAILURE
  }

  private final LocalMarathonConfig config;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService probes;
  private final EventBus events;
  private final HostPortPool hostPorts;
  private final ServicePortRegistry servicePorts;
  private final Path sandboxRoot;
  private final boolean ownsSandboxRoot;
  private final String hostAddress;
  private final String slaveId = UUID.randomUUID() + "-S0";
  private final MarathonViews views;
  private final String frameworkId = UUID.randomUUID() + "-0000";
  private final Map<String, App> apps = new TreeMap<>();
  private final Map<String, Deployment> deployments = new LinkedHashMap<>();
  private Instant lastVersion = Instant.EPOCH;
  private boolean started;
  private boolean closed;

  public LocalMarathon(LocalMarathonConfig config) {
    this.config = config;
    this.clock = config.clock();
    this.events = new EventBus(clock);
    try {
      InetAddress address = InetAddress.getByName(config.host());
      this.hostAddress = address.getHostAddress();
      this.hostPorts = new HostPortPool(config.taskPorts(), address);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("host: cannot resolve '" + config.host() + "'", e);
    }
    this.servicePorts = new ServicePortRegistry(config.servicePorts());
    this.views = new MarathonViews(config.host(), hostAddress, slaveId);
    try {
      if (config.sandboxRoot() == null) {
        this.sandboxRoot = Files.createTempDirectory("zdd-marathon-");
        this.ownsSandboxRoot = true;
      } else {
        this.sandboxRoot = Files.createDirectories(config.sandboxRoot());
        this.ownsSandboxRoot = false;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the task sandbox directory", e);
    }
    this.scheduler = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("marathon-scheduler"));
    this.probes = Executors.newFixedThreadPool(PROBE_THREADS, new NamedThreadFactory("marathon-health"));
  }

  public synchronized void start() {
    if (started) {
      return;
    }
    started = true;
    long interval = config.reconcileInterval().toMillis();
    var unused = scheduler.scheduleWithFixedDelay(this::reconcileSafely, 0, interval, TimeUnit.MILLISECONDS);
    log.info("local Marathon scheduler started; task ports {}, service ports {}, sandboxes in {}",
        config.taskPorts(), config.servicePorts(), sandboxRoot);
  }

  EventBus events() {
    return events;
  }

  public String frameworkId() {
    return frameworkId;
  }

  public LocalMarathonConfig config() {
    return config;
  }

  /** Where the task with this id runs ({@code MESOS_SANDBOX}); it may no longer exist. */
  public Path sandboxOf(String taskId) {
    return sandboxRoot.resolve(taskId);
  }

  // ---------------------------------------------------------------- API: apps

  /** {@code POST /v2/apps}: the created app, with its deployment. */
  public synchronized ObjectNode createApp(JsonNode body, String clientIp, String uri) {
    ensureOpen();
    ObjectNode spec = AppDefinitions.normalize(body);
    String id = spec.get("id").asText();
    App existing = apps.get(id);
    if (existing != null && !existing.deleting) {
      throw MarathonApiException.message(409, "An app with id [" + id + "] already exists.");
    }
    if (existing != null) {
      throw MarathonApiException.locked(deploymentIdsOf(id));
    }
    assignServicePorts(id, spec);
    App app = new App(id, spec, newVersion());
    apps.put(id, app);
    servicePorts.assign(id, app.servicePorts());
    publishApiPost(clientIp, uri, app);
    startDeployment(app, Deployment.Action.StartApplication, null);
    return appJson(app, Set.of(Embed.COUNTS, Embed.DEPLOYMENTS, Embed.TASKS));
  }

  /** {@code GET /v2/apps}. */
  public synchronized ObjectNode listApps(Set<Embed> embed, Predicate<ObjectNode> filter) {
    ObjectNode reply = MarathonJson.object();
    ArrayNode list = reply.putArray("apps");
    for (App app : visibleApps()) {
      ObjectNode json = appJson(app, embed);
      if (filter.test(json)) {
        list.add(json);
      }
    }
    return reply;
  }

  /** {@code GET /v2/apps/{id}}: {@code {"app": {...}}}. */
  public synchronized ObjectNode getApp(String rawId, Set<Embed> embed) {
    App app = visibleApp(AppDefinitions.canonicalId(rawId));
    ObjectNode reply = MarathonJson.object();
    reply.set("app", appJson(app, embed));
    return reply;
  }

  /** {@code GET /v2/apps/{id}/tasks}. */
  public synchronized ObjectNode getAppTasks(String rawId) {
    App app = visibleApp(AppDefinitions.canonicalId(rawId));
    ObjectNode reply = MarathonJson.object();
    ArrayNode list = reply.putArray("tasks");
    app.tasks.values().forEach(t -> list.add(taskJson(app, t, true)));
    return reply;
  }

  /** Result of {@code PUT /v2/apps/{id}}: 201 when it created the app, else 200. */
  public record UpdateResult(boolean created, ObjectNode body) {}

  /** {@code PUT /v2/apps/{id}}: a partial update (the fields given replace the stored ones). */
  public synchronized UpdateResult updateApp(String rawId, JsonNode body, boolean force, String clientIp, String uri) {
    ensureOpen();
    if (!body.isObject()) {
      ValidationErrors.single("/", "error.expected.jsobject");
    }
    String id = AppDefinitions.canonicalId(rawId);
    if (body.hasNonNull("id") && !AppDefinitions.canonicalId(body.get("id").asText()).equals(id)) {
      ValidationErrors.single("/id", "The id in the body must be the id of the path ('" + id + "')");
    }
    App app = apps.get(id);
    if (app == null) {
      ObjectNode create = ((ObjectNode) body).deepCopy();
      create.put("id", id);
      ObjectNode created = createApp(create, clientIp, uri);
      return new UpdateResult(true, versionAndDeployment(created.get("version").asText(), deploymentIdsOf(id).get(0)));
    }
    checkLock(app, force);
    ObjectNode merged = AppDefinitions.merge(app.spec, (ObjectNode) body);
    merged.put("id", id);
    ObjectNode spec = AppDefinitions.normalize(merged);
    assignServicePorts(id, spec);
    Deployment deployment = change(app, spec, () -> publishApiPost(clientIp, uri, app));
    return new UpdateResult(false, versionAndDeployment(app.version, deployment.id));
  }

  /** {@code DELETE /v2/apps/{id}}: stops every task, then the app is gone. */
  public synchronized ObjectNode deleteApp(String rawId, boolean force, String clientIp, String uri) {
    ensureOpen();
    App app = visibleApp(AppDefinitions.canonicalId(rawId));
    checkLock(app, force);
    ObjectNode original = definitionJson(app);
    app.deleting = true;
    app.version = newVersion();
    servicePorts.release(app.id);
    publishApiPost(clientIp, uri, app);
    Deployment deployment = startDeployment(app, Deployment.Action.StopApplication, original);
    return versionAndDeployment(app.version, deployment.id);
  }

  // ---------------------------------------------------------------- API: tasks

  /** {@code GET /v2/tasks}. */
  public synchronized ObjectNode listTasks(Set<String> states) {
    ObjectNode reply = MarathonJson.object();
    ArrayNode list = reply.putArray("tasks");
    for (App app : apps.values()) {
      for (Task task : app.tasks.values()) {
        if (states.isEmpty() || states.contains(task.state.name().substring(5).toLowerCase(Locale.ROOT))) {
          list.add(taskJson(app, task, true));
        }
      }
    }
    return reply;
  }

  /**
   * {@code POST /v2/tasks/delete}: kills the tasks; with {@code scale} also lowers each app's
   * instances by the number killed (a scale deployment). Unknown task ids of existing apps are
   * ignored; ids of apps that do not exist give 404, as in Marathon.
   */
  public synchronized ObjectNode killTasks(JsonNode body, boolean scale, boolean force) {
    ensureOpen();
    JsonNode ids = body.path("ids");
    if (!ids.isArray()) {
      ValidationErrors.single("/ids", ids.isMissingNode() ? "error.path.missing" : "error.expected.jsarray");
    }
    Map<App, List<Task>> byApp = new LinkedHashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      JsonNode idNode = ids.get(i);
      if (!idNode.isTextual()) {
        ValidationErrors.single("/ids(" + i + ")", "error.expected.jsstring");
      }
      String taskId = idNode.asText();
      Task task = findTask(taskId);
      if (task != null) {
        byApp.computeIfAbsent(apps.get(task.appId), a -> new ArrayList<>()).add(task);
      } else if (appOfTaskId(taskId) == null) {
        int dot = taskId.lastIndexOf('.');
        String appId = "/" + (dot > 0 ? taskId.substring(0, dot) : taskId).replace('_', '/');
        throw MarathonApiException.appNotFound(appId);
      }
    }
    if (scale) {
      for (App app : byApp.keySet()) {
        checkLock(app, force);
      }
    }
    ObjectNode reply = MarathonJson.object();
    ArrayNode killed = MarathonJson.array();
    String lastDeployment = null;
    for (Map.Entry<App, List<Task>> entry : byApp.entrySet()) {
      App app = entry.getKey();
      List<Task> tasks = entry.getValue().stream().filter(Task::isActive).toList();
      tasks.forEach(t -> killed.add(taskJson(app, t, true)));
      tasks.forEach(t -> kill(t, "killed through the API"));
      if (scale) {
        ObjectNode spec = app.spec.deepCopy();
        spec.put("instances", Math.max(0, app.instances() - tasks.size()));
        lastDeployment = change(app, spec).id;
      }
    }
    if (scale) {
      return versionAndDeployment(newVersion(), lastDeployment == null ? UUID.randomUUID().toString() : lastDeployment);
    }
    reply.set("tasks", killed);
    return reply;
  }

  // ---------------------------------------------------------------- API: deployments, info

  /** {@code GET /v2/deployments}. */
  public synchronized ArrayNode listDeployments() {
    ArrayNode list = MarathonJson.array();
    deployments.values().forEach(d -> list.add(d.toJson()));
    return list;
  }

  /**
   * {@code DELETE /v2/deployments/{id}}: with {@code force} the deployment is just dropped (null is
   * returned: 202, no body); without, it is rolled back by a new deployment to the original app.
   */
  public synchronized ObjectNode cancelDeployment(String id, boolean force) {
    ensureOpen();
    Deployment deployment = deployments.get(id);
    if (deployment == null) {
      throw MarathonApiException.message(404, "DeploymentPlan " + id + " does not exist");
    }
    finishDeployment(deployment, false);
    if (force) {
      return null;
    }
    App app = apps.get(deployment.appId);
    if (deployment.original == null) {
      // Rolling back a start means the app goes away again.
      app.deleting = true;
      app.version = newVersion();
      servicePorts.release(app.id);
      Deployment stop = startDeployment(app, Deployment.Action.StopApplication, deployment.target);
      return versionAndDeployment(app.version, stop.id);
    }
    ObjectNode spec = AppDefinitions.normalize(stripRuntime(deployment.original));
    if (app.deleting) {
      app.deleting = false;
    }
    assignServicePorts(app.id, spec);
    Deployment rollback = change(app, spec);
    return versionAndDeployment(app.version, rollback.id);
  }

  /** {@code GET /v2/info}. */
  public ObjectNode info(String leader, int httpPort) {
    ObjectNode info = MarathonJson.object();
    info.put("name", "marathon");
    info.put("version", "1.5.0-zdd-local");
    info.put("buildref", "zdd-local");
    info.put("elected", true);
    info.put("leader", leader);
    info.put("frameworkId", frameworkId);
    ObjectNode marathon = info.putObject("marathon_config");
    marathon.put("master", "local");
    marathon.put("hostname", config.host());
    marathon.put("local_port_min", config.taskPorts().first());
    marathon.put("local_port_max", config.taskPorts().last());
    marathon.put("task_launch_timeout", 300000);
    marathon.put("mesos_role", (String) null);
    ObjectNode zk = info.putObject("zookeeper_config");
    zk.put("zk", (String) null);
    ObjectNode http = info.putObject("http_config");
    http.put("http_port", httpPort);
    http.put("https_port", (Integer) null);
    info.set("event_subscriber", MarathonJson.object().put("type", "sse"));
    return info;
  }

  // ---------------------------------------------------------------- changes and deployments

  private Deployment change(App app, ObjectNode spec) {
    return change(app, spec, () -> { });
  }

  /**
   * Stores a new definition of an existing app and starts the deployment that realizes it;
   * {@code beforeDeployment} runs in between (Marathon posts api_post_event before deployment_info).
   */
  private Deployment change(App app, ObjectNode spec, Runnable beforeDeployment) {
    ObjectNode original = definitionJson(app);
    boolean configChanged = !withoutInstances(spec).equals(withoutInstances(app.spec));
    String version = newVersion();
    app.spec = spec;
    app.version = version;
    app.lastScalingAt = version;
    if (configChanged) {
      app.lastConfigChangeAt = version;
      app.launchFailures = 0;
      app.nextLaunchAt = Instant.MIN;
    }
    servicePorts.assign(app.id, app.servicePorts());
    beforeDeployment.run();
    return startDeployment(
        app, configChanged ? Deployment.Action.RestartApplication : Deployment.Action.ScaleApplication, original);
  }

  private Deployment startDeployment(App app, Deployment.Action action, ObjectNode original) {
    ObjectNode target = action == Deployment.Action.StopApplication ? null : definitionJson(app);
    Deployment deployment =
        new Deployment(UUID.randomUUID().toString(), app.version, app.id, action, original, target);
    deployments.put(deployment.id, deployment);
    ObjectNode event = MarathonJson.object();
    event.set("plan", deployment.plan());
    event.set("currentStep", deployment.step());
    events.publish("deployment_info", event);
    requestReconcile();
    return deployment;
  }

  private void finishDeployment(Deployment deployment, boolean success) {
    deployments.remove(deployment.id);
    if (success) {
      ObjectNode step = MarathonJson.object();
      step.set("plan", deployment.plan());
      step.set("currentStep", deployment.step());
      events.publish("deployment_step_success", step);
      ObjectNode done = MarathonJson.object();
      done.put("id", deployment.id);
      done.set("plan", deployment.plan());
      events.publish("deployment_success", done);
    } else {
      ObjectNode failed = MarathonJson.object();
      failed.put("id", deployment.id);
      failed.set("plan", deployment.plan());
      events.publish("deployment_failed", failed);
    }
  }

  /** 409 if a deployment holds the app; with force, those deployments are cancelled instead. */
  private void checkLock(App app, boolean force) {
    List<String> running = deploymentIdsOf(app.id);
    if (running.isEmpty()) {
      return;
    }
    if (!force) {
      throw MarathonApiException.locked(running);
    }
    for (String id : running) {
      finishDeployment(deployments.get(id), false);
    }
  }

  private List<String> deploymentIdsOf(String appId) {
    return deployments.values().stream().filter(d -> d.appId.equals(appId)).map(d -> d.id).toList();
  }

  private void checkDeployments() {
    for (Deployment deployment : List.copyOf(deployments.values())) {
      App app = apps.get(deployment.appId);
      boolean done;
      if (deployment.action == Deployment.Action.StopApplication) {
        done = app == null || app.tasks.isEmpty();
        if (done && app != null && app.deleting) {
          apps.remove(app.id);
        }
      } else {
        done = app != null && !app.deleting && converged(app);
      }
      if (done) {
        if (app != null) {
          app.launchFailures = 0;
        }
        finishDeployment(deployment, true);
      }
    }
  }

  /** Exactly {@code instances} tasks, all of the current configuration, running and healthy. */
  private static boolean converged(App app) {
    int count = 0;
    for (Task task : app.tasks.values()) {
      if (!task.isReady() || !task.configVersion.equals(app.lastConfigChangeAt)) {
        return false;
      }
      count++;
    }
    return count == app.instances();
  }

  // ---------------------------------------------------------------- reconciliation

  private void requestReconcile() {
    try {
      scheduler.execute(this::reconcileSafely);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  private void reconcileSafely() {
    try {
      reconcile();
    } catch (RuntimeException e) {
      log.error("reconciliation failed; retrying on the next tick", e);
    }
  }

  synchronized void reconcile() {
    if (closed) {
      return;
    }
    Instant now = clock.instant();
    for (App app : List.copyOf(apps.values())) {
      app.tasks.values().stream().filter(t -> t.tree != null).forEach(t -> t.tree.rememberEvery(TREE_SCAN_INTERVAL, now));
      reconcileApp(app, now);
    }
    checkDeployments();
  }

  private void reconcileApp(App app, Instant now) {
    int target = app.deleting ? 0 : app.instances();
    List<Task> active = app.tasks.values().stream().filter(Task::isActive).toList();
    List<Task> old = active.stream().filter(t -> !t.configVersion.equals(app.lastConfigChangeAt)).toList();
    List<Task> fresh = active.stream().filter(t -> t.configVersion.equals(app.lastConfigChangeAt)).toList();

    int killed = 0;
    if (app.deleting) {
      active.forEach(t -> kill(t, "app deleted"));
      return;
    }
    if (fresh.size() > target) {
      for (Task task : killOrder(app, fresh).subList(0, fresh.size() - target)) {
        kill(task, "scaled down");
        killed++;
      }
    }
    double minCapacity = app.spec.path("upgradeStrategy").path("minimumHealthCapacity").asDouble(1);
    double overCapacity = app.spec.path("upgradeStrategy").path("maximumOverCapacity").asDouble(1);
    int maxTotal = target + (int) Math.floor(target * overCapacity);
    int minHealthy = (int) Math.ceil(target * minCapacity);
    if (maxTotal == target && minHealthy >= target) {
      maxTotal = target + 1; // otherwise a restart could neither start a new task nor stop an old one
    }
    if (!old.isEmpty()) {
      long readyFresh = fresh.stream().filter(Task::isReady).count();
      List<Task> readyOld = old.stream().filter(Task::isReady).toList();
      for (Task task : old) {
        if (!task.isReady()) {
          kill(task, "replaced by a new version");
          killed++;
        }
      }
      long allowed = Math.max(0, readyOld.size() + Math.min(readyFresh, target) - minHealthy);
      for (Task task : killOrder(app, readyOld)) {
        if (allowed-- <= 0) {
          break;
        }
        kill(task, "replaced by a new version");
        killed++;
      }
    }
    int activeNow = active.size() - killed;
    int missing = target - Math.min(fresh.size(), target);
    int room = old.isEmpty() ? missing : Math.max(0, maxTotal - activeNow);
    int toLaunch = Math.min(missing, room);
    if (toLaunch > 0 && !now.isBefore(app.nextLaunchAt)) {
      for (int i = 0; i < toLaunch; i++) {
        if (!launch(app, now)) {
          break;
        }
      }
    }
  }

  /** Not-yet-running tasks go first, then by {@code killSelection}. */
  private static List<Task> killOrder(App app, List<Task> tasks) {
    Comparator<Task> byAge = Comparator.comparing((Task t) -> t.stagedAt);
    if (!"OLDEST_FIRST".equals(app.spec.path("killSelection").asText())) {
      byAge = byAge.reversed();
    }
    Comparator<Task> order = Comparator.comparing((Task t) -> t.state == TaskState.TASK_RUNNING).thenComparing(byAge);
    return tasks.stream().sorted(order).toList();
  }

  // ---------------------------------------------------------------- task lifecycle

  private boolean launch(App app, Instant now) {
    List<Integer> svc = app.servicePorts();
    List<Integer> ports = hostPortsFor(app, svc.size());
    if (ports == null) {
      log.warn("app {}: no free host ports in {} for a new task; retrying in 1 s", app.id, config.taskPorts());
      app.nextLaunchAt = now.plusSeconds(1);
      return false;
    }
    String uuid = UUID.randomUUID().toString();
    String taskId = app.taskIdPrefix() + "." + uuid;
    Path sandbox = sandboxRoot.resolve(taskId);
    Map<String, String> env = TaskProcessSpec.environment(app, taskId, ports, sandbox, config.host());
    Task task = new Task(taskId, app.taskIdPrefix() + ".marathon-" + uuid, app.id, app.version,
        app.lastConfigChangeAt, ports, svc, now, sandbox, env, app.healthChecks().size());
    app.tasks.put(taskId, task);
    publishStatus(task);
    List<String> command = TaskProcessSpec.command(app);
    if (command == null) {
      finish(task, TaskState.TASK_FAILED,
          "the app has neither cmd nor args; the local scheduler does not run container images");
      return false;
    }
    try {
      Files.createDirectories(sandbox);
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.directory(sandbox.toFile());
      builder.environment().putAll(env);
      builder.redirectOutput(ProcessBuilder.Redirect.appendTo(sandbox.resolve("stdout").toFile()));
      builder.redirectError(ProcessBuilder.Redirect.appendTo(sandbox.resolve("stderr").toFile()));
      task.process = builder.start();
      task.tree = new ProcessTree(task.process.toHandle());
    } catch (IOException e) {
      finish(task, TaskState.TASK_FAILED, "could not start: " + e.getMessage());
      return false;
    }
    log.info("app {}: launched task {} (pid {}) on ports {}", app.id, taskId, task.process.pid(), ports);
    var unused = task.process.onExit().thenRunAsync(() -> onProcessExit(task), scheduler);
    scheduler.execute(() -> markRunning(task));
    return true;
  }

  private List<Integer> hostPortsFor(App app, int count) {
    ArrayNode mappings = AppDefinitions.portMappings(app.spec);
    boolean requirePorts = app.spec.path("requirePorts").asBoolean(false);
    List<Integer> fixed = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int port = 0;
      if (mappings != null) {
        port = mappings.get(i).path("hostPort").asInt();
      } else if (requirePorts) {
        port = app.servicePorts().get(i);
      }
      fixed.add(port);
    }
    List<Integer> wanted = fixed.stream().filter(p -> p != 0).toList();
    if (!wanted.isEmpty() && !hostPorts.claim(wanted)) {
      return null;
    }
    int dynamic = (int) fixed.stream().filter(p -> p == 0).count();
    var allocated = hostPorts.allocate(dynamic);
    if (allocated.isEmpty()) {
      hostPorts.release(wanted);
      return null;
    }
    List<Integer> result = new ArrayList<>();
    var next = allocated.get().iterator();
    for (int port : fixed) {
      result.add(port != 0 ? port : next.next());
    }
    return result;
  }

  private synchronized void markRunning(Task task) {
    if (closed || task.state != TaskState.TASK_STAGING || task.process == null || !task.process.isAlive()) {
      return;
    }
    App app = apps.get(task.appId);
    task.state = TaskState.TASK_RUNNING;
    task.startedAt = clock.instant();
    publishStatus(task);
    List<HealthCheckSpec> checks = app.healthChecks();
    for (int i = 0; i < checks.size(); i++) {
      int index = i;
      HealthCheckSpec check = checks.get(i);
      task.timers.add(scheduler.scheduleWithFixedDelay(
          () -> startProbe(task, index, check), 0, check.interval().toMillis(), TimeUnit.MILLISECONDS));
    }
    checkDeployments();
  }

  private synchronized void startProbe(Task task, int index, HealthCheckSpec check) {
    HealthState state = task.health.get(index);
    if (closed || task.state != TaskState.TASK_RUNNING || state.probeInFlight) {
      return;
    }
    state.probeInFlight = true;
    int port;
    if (check.port() != null) {
      port = check.port();
    } else if (check.portIndex() != null && check.portIndex() < task.ports.size()) {
      port = task.ports.get(check.portIndex());
    } else {
      port = 0;
    }
    try {
      probes.execute(() -> {
        HealthProbe.Result result = port == 0 && check.protocol() != HealthCheckSpec.Protocol.COMMAND
            ? HealthProbe.Result.failed("the task has no port for this health check")
            : HealthProbe.run(check, hostAddress, port, task.env, task.sandbox);
        onProbeResult(task, index, check, result);
      });
    } catch (RejectedExecutionException e) {
      state.probeInFlight = false;
    }
  }

  private synchronized void onProbeResult(Task task, int index, HealthCheckSpec check, HealthProbe.Result result) {
    HealthState state = task.health.get(index);
    state.probeInFlight = false;
    if (closed || task.state != TaskState.TASK_RUNNING) {
      return;
    }
    App app = apps.get(task.appId);
    Instant now = clock.instant();
    Boolean wasAlive = state.alive;
    if (result.healthy()) {
      state.consecutiveFailures = 0;
      if (state.firstSuccess == null) {
        state.firstSuccess = now;
      }
      state.lastSuccess = now;
      state.alive = true;
    } else {
      boolean inGrace = state.firstSuccess == null && now.isBefore(task.startedAt.plus(check.gracePeriod()));
      if (inGrace) {
        return; // Marathon ignores failures until the first success or the end of the grace period
      }
      state.consecutiveFailures++;
      state.lastFailure = now;
      state.lastFailureCause = result.cause();
      state.alive = false;
    }
    if (!state.alive.equals(wasAlive)) {
      ObjectNode event = MarathonJson.object();
      event.put("appId", app.id);
      event.put("taskId", task.id);
      event.put("instanceId", task.instanceId);
      event.put("version", task.version);
      event.put("alive", state.alive);
      events.publish("health_status_changed_event", event);
    }
    if (!result.healthy() && check.maxConsecutiveFailures() > 0
        && state.consecutiveFailures >= check.maxConsecutiveFailures()) {
      log.info("app {}: task {} failed {} health checks in a row ({}); killing it",
          app.id, task.id, state.consecutiveFailures, result.cause());
      ObjectNode event = MarathonJson.object();
      event.put("appId", app.id);
      event.put("taskId", task.id);
      event.put("version", task.version);
      event.put("reason", result.cause());
      event.put("host", config.host());
      event.put("slaveId", slaveId);
      events.publish("unhealthy_task_kill_event", event);
      kill(task, "unhealthy");
    }
    checkDeployments();
  }

  /** SIGTERM now, SIGKILL after the app's kill grace period. */
  private void kill(Task task, String reason) {
    if (!task.isActive()) {
      return;
    }
    App app = apps.get(task.appId);
    task.cancelTimers();
    task.state = TaskState.TASK_KILLING;
    publishStatus(task);
    if (task.process == null) {
      finish(task, TaskState.TASK_KILLED, reason);
      return;
    }
    log.info("app {}: killing task {} ({})", app.id, task.id, reason);
    task.tree.terminate();
    long grace = app.killGraceSeconds();
    try {
      task.timers.add(scheduler.schedule(task.tree::kill, grace, TimeUnit.SECONDS));
    } catch (RejectedExecutionException e) {
      task.tree.kill();
    }
  }

  private synchronized void onProcessExit(Task task) {
    if (task.state.isTerminal()) {
      return;
    }
    int exit = task.process.exitValue();
    TaskState end;
    if (task.state == TaskState.TASK_KILLING) {
      end = TaskState.TASK_KILLED;
    } else {
      end = exit == 0 ? TaskState.TASK_FINISHED : TaskState.TASK_FAILED;
    }
    task.tree.kill(); // children a dead shell left behind
    finish(task, end, "exit status " + exit);
  }

  private void finish(Task task, TaskState end, String message) {
    App app = apps.get(task.appId);
    task.cancelTimers();
    boolean unplanned = task.state != TaskState.TASK_KILLING;
    task.state = end;
    task.exitMessage = message;
    hostPorts.release(task.ports);
    publishStatus(task);
    if (app != null) {
      app.tasks.remove(task.id);
      if (unplanned) {
        log.warn("app {}: task {} ended unexpectedly: {} ({})", app.id, task.id, end, message);
        recordFailure(app, task, message);
      }
    }
    if (!closed) {
      requestReconcile();
    }
  }

  /** Marathon's launch backoff: backoffSeconds * backoffFactor^(failures-1), at most the maximum. */
  private void recordFailure(App app, Task task, String message) {
    Instant now = clock.instant();
    app.launchFailures++;
    double seconds = app.spec.path("backoffSeconds").asDouble(1)
        * Math.pow(app.spec.path("backoffFactor").asDouble(1.15), app.launchFailures - 1);
    seconds = Math.min(seconds, app.spec.path("maxLaunchDelaySeconds").asDouble(3600));
    app.nextLaunchAt = now.plusMillis((long) (seconds * 1000));
    ObjectNode failure = MarathonJson.object();
    failure.put("appId", app.id);
    failure.put("host", config.host());
    failure.put("message", message);
    failure.put("state", task.state.name());
    failure.put("taskId", task.id);
    failure.put("timestamp", MarathonJson.timestamp(now));
    failure.put("version", task.version);
    failure.put("slaveId", slaveId);
    app.lastTaskFailure = failure;
  }

  // ---------------------------------------------------------------- JSON

  private ObjectNode definitionJson(App app) {
    return appJson(app, Set.of());
  }

  private ObjectNode appJson(App app, Set<Embed> embed) {
    return views.app(app, embed, deploymentIdsOf(app.id));
  }

  private ObjectNode taskJson(App app, Task task, boolean withServicePorts) {
    return views.task(app, task, withServicePorts);
  }

  private void publishStatus(Task task) {
    events.publish("status_update_event", views.statusUpdate(task));
  }

  private void publishApiPost(String clientIp, String uri, App app) {
    ObjectNode event = MarathonJson.object();
    event.put("clientIp", clientIp);
    event.put("uri", uri);
    event.set("appDefinition", definitionJson(app));
    events.publish("api_post_event", event);
  }

  private static ObjectNode versionAndDeployment(String version, String deploymentId) {
    ObjectNode json = MarathonJson.object();
    json.put("version", version);
    json.put("deploymentId", deploymentId);
    return json;
  }

  // ---------------------------------------------------------------- helpers

  private String newVersion() {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    if (!now.isAfter(lastVersion)) {
      now = lastVersion.plusMillis(1); // versions must differ even within one millisecond
    }
    lastVersion = now;
    return MarathonJson.timestamp(now);
  }

  /** Fills service ports that are 0 from the range; a port another app holds is a 422. */
  private void assignServicePorts(String appId, ObjectNode spec) {
    ArrayNode mappings = AppDefinitions.portMappings(spec);
    ArrayNode slots = mappings != null ? mappings : (ArrayNode) spec.get("portDefinitions");
    String field = mappings != null ? "servicePort" : "port";
    String path = mappings == null ? "/portDefinitions"
        : spec.path("container").has("portMappings") ? "/container/portMappings" : "/container/docker/portMappings";
    ValidationErrors errors = new ValidationErrors();
    List<Integer> taken = new ArrayList<>();
    for (JsonNode slot : slots) {
      taken.add(slot.path(field).asInt());
    }
    for (int i = 0; i < slots.size(); i++) {
      int port = slots.get(i).path(field).asInt();
      if (port != 0) {
        int index = i;
        servicePorts.conflict(port, appId).ifPresent(owner -> errors.add(path + "(" + index + ")/" + field,
            "Requested service port " + port + " conflicts with a service port in use by app " + owner));
      }
    }
    errors.throwIfAny();
    for (JsonNode slot : slots) {
      if (slot.path(field).asInt() == 0) {
        int port = servicePorts.next(taken).orElseThrow(() -> MarathonApiException.message(422,
            "No free service port left in " + config.servicePorts()));
        taken.add(port);
        ((ObjectNode) slot).put(field, port);
      }
    }
  }

  private static ObjectNode withoutInstances(ObjectNode spec) {
    ObjectNode copy = spec.deepCopy();
    copy.remove("instances");
    return copy;
  }

  private static ObjectNode stripRuntime(ObjectNode appJson) {
    ObjectNode copy = appJson.deepCopy();
    copy.remove(AppDefinitions.RUNTIME_FIELDS);
    return copy;
  }

  private List<App> visibleApps() {
    return apps.values().stream().filter(a -> !a.deleting).toList();
  }

  private App visibleApp(String id) {
    App app = apps.get(id);
    if (app == null || app.deleting) {
      throw MarathonApiException.appNotFound(id);
    }
    return app;
  }

  private Task findTask(String taskId) {
    for (App app : apps.values()) {
      Task task = app.tasks.get(taskId);
      if (task != null) {
        return task;
      }
    }
    return null;
  }

  private App appOfTaskId(String taskId) {
    int dot = taskId.lastIndexOf('.');
    String prefix = dot > 0 ? taskId.substring(0, dot) : taskId;
    return apps.values().stream().filter(a -> a.taskIdPrefix().equals(prefix)).findFirst().orElse(null);
  }

  private void ensureOpen() {
    if (closed) {
      throw MarathonApiException.message(503, "The scheduler is shutting down");
    }
  }

  /** Pids of every live process of every task (tests check these from the OS side too). */
  public synchronized Set<Long> taskPids() {
    return apps.values().stream().flatMap(a -> a.tasks.values().stream())
        .filter(t -> t.tree != null).flatMap(t -> t.tree.livePids().stream()).collect(Collectors.toSet());
  }

  /**
   * Stops every task (SIGTERM, then SIGKILL after its grace period) and waits for them to exit, so
   * no process outlives the scheduler.
   */
  @Override
  public void close() {
    List<Task> running = new ArrayList<>();
    long graceSeconds = 0;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      for (App app : apps.values()) {
        for (Task task : app.tasks.values()) {
          task.cancelTimers();
          if (task.isActive()) {
            task.state = TaskState.TASK_KILLING;
            publishStatus(task);
          }
          if (task.tree != null) {
            running.add(task);
            task.tree.terminate();
            graceSeconds = Math.max(graceSeconds, app.killGraceSeconds());
          }
        }
      }
    }
    log.info("stopping {} task(s)", running.size());
    awaitExit(running, Duration.ofSeconds(graceSeconds));
    running.forEach(t -> t.tree.kill());
    awaitExit(running, Duration.ofSeconds(5));
    for (Task task : running) {
      if (task.tree.anyAlive()) {
        log.error("task {} still has live processes {} after SIGKILL", task.id, task.tree.livePids());
      }
    }
    events.closeAll();
    scheduler.shutdownNow();
    probes.shutdownNow();
    try {
      probes.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownsSandboxRoot) {
      deleteRecursively(sandboxRoot);
    }
  }

  private static void awaitExit(List<Task> tasks, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Task task : tasks) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        task.process.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // SIGKILL follows
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      }
    }
    long wait = Math.max(0, deadline - System.nanoTime());
    while (wait > 0 && tasks.stream().anyMatch(t -> t.tree.anyAlive())) {
      try {
        Thread.sleep(Math.min(50, TimeUnit.NANOSECONDS.toMillis(wait) + 1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      wait = Math.max(0, deadline - System.nanoTime());
    }
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", root, e.toString());
    }
  }
}
