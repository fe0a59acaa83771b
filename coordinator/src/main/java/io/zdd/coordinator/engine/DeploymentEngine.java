package io.zdd.coordinator.engine;

import io.zdd.common.error.ConflictException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.LbAgentView;
import io.zdd.coordinator.engine.port.TaskStatus;
import io.zdd.coordinator.engine.analysis.AnalysisChoice;
import io.zdd.coordinator.engine.analysis.AnalysisTemplate;
import io.zdd.coordinator.engine.analysis.HookType;
import io.zdd.coordinator.engine.analysis.Webhook;
import io.zdd.coordinator.engine.port.WebhookPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the engine: plans, starts and resumes deployments. Everything before a
 * {@link Deployment} exists is preflight: bad input or an unready fleet is refused here, and then
 * nothing has been written to Marathon or any LB.
 */
public final class DeploymentEngine {
  private static final Logger log = LoggerFactory.getLogger(DeploymentEngine.class);

  private final EnginePorts ports;
  private final Supplier<String> ids;
  private final DeploymentPlanner planner;

  /** @param ids deployment id generator (UUIDs in production, counters in tests) */
  public DeploymentEngine(EnginePorts ports, Supplier<String> ids) {
    this.ports = ports;
    this.ids = ids;
    this.planner = new DeploymentPlanner(ports.clock());
  }

  /** Dry run: what {@link #start} would do. Reads Marathon and the fleet; changes nothing. */
  public DeploymentPlan plan(String appJson, DeploymentOptions options) {
    Optional<AnalysisTemplate> analysis = analysis(appJson, options);
    PreparedDeployment p = preflight(appJson, withAnalysis(options, analysis));
    List<String> gates = new ArrayList<>();
    analysis.ifPresentOrElse(t -> gates.addAll(t.describe()), () -> gates.add(options.strategy() == ShiftStrategy.WEIGHT_STEPS
        ? "no analysis: each traffic step " + (options.stepPause().isZero() ? "waits for promote" : "moves on after its pause")
        : "no analysis (analysis gates traffic steps and canary holds: --traffic, --new-instances)"));
    return DryRunPlanner.plan(p, ports.fleet().agents(p.group(), LbGroups.ofAppJson(appJson))).withGates(gates);
  }

  /**
   * Validates and records a new deployment in phase PREFLIGHT; drive it with a
   * {@link DeploymentRunner}. Throws InvalidInputException (bad JSON, labels or options),
   * ConflictException (the group already has a deployment, or holds two apps without a
   * resume/complete flag), PreconditionException/UnavailableException (no LB, or an LB not
   * connected). Nothing is changed in Marathon or on any LB when it throws.
   */
  public Deployment start(String appJson, DeploymentOptions options) {
    if (options.dryRun()) {
      throw new InvalidInputException("options.dry_run", "a dry run does not start a deployment; ask for a plan");
    }
    Optional<AnalysisTemplate> analysis = analysis(appJson, options);
    PreparedDeployment p = preflight(appJson, withAnalysis(options, analysis));
    Optional<AppStatus> blue = p.blue();
    List<String> blueServing = blue.map(b -> b.tasks().stream().filter(TaskStatus::serving).map(TaskStatus::id).sorted().toList())
        .orElse(List.of());
    DeploymentRecord rec = DeploymentRecord.builder()
        .id(ids.get())
        .group(p.group())
        .epoch(ports.epoch().get().value())
        .options(p.options())
        .phase(Phase.PREFLIGHT)
        .message("starting")
        .startedAt(ports.clock().instant())
        .phaseStartedAt(ports.clock().instant())
        .blueAppId(blue.map(AppStatus::id).orElse(""))
        .greenAppId(p.greenAppId())
        .greenColour(p.greenColour() == io.zdd.common.model.Colour.NONE ? io.zdd.common.model.Colour.BLUE : p.greenColour())
        .greenAppJson(p.greenDefinition().map(Object::toString)
            .orElseGet(() -> p.existingGreen().map(a -> a.json().toString()).orElse("{}")))
        .servicePort(p.servicePort())
        .targetInstances(p.targetInstances())
        .goalInstances(p.goalInstances())
        .blueTargetInstances(blue.map(AppStatus::instances).orElse(0))
        .greenCreated(p.greenDefinition().isEmpty())
        // Agents order backend sets by (epoch, version) per group, across deployments: carry on
        // from the group's previous deployment so its first set is not refused as stale.
        .backendVersion(ports.store().load(p.group()).map(DeploymentRecord::backendVersion).orElse(0L))
        .admittedTaskIds(union(blueServing, p.existingGreen()))
        .build();
    analysis.ifPresent(t -> preRollout(t, rec));
    ports.store().save(rec);
    log.info("deployment {} of group {}: {} -> {} ({})", rec.id(), rec.group(), rec.blueAppId(), rec.greenAppId(), p.mode());
    Deployment d = new Deployment(ports, rec);
    d.announce(EventKind.PHASE_CHANGED, "deployment started (" + p.mode() + ")");
    return d;
  }

  /**
   * A new leader's take-over: rebuilds the group's running deployment from its stored record,
   * stamped with this leader's epoch. It re-reads Marathon and the fleet on its first tick.
   */
  public Optional<Deployment> resume(GroupName group) {
    return ports.store().load(group).filter(DeploymentRecord::running).filter(this::trusted).map(r -> {
      DeploymentRecord rec = r.toBuilder().epoch(ports.epoch().get().value()).build();
      ports.store().save(rec);
      Deployment d = new Deployment(ports, rec);
      d.announce(EventKind.EPOCH_CHANGED, "resumed by epoch " + rec.epoch() + " in phase " + rec.phase());
      return d;
    });
  }

  /**
   * A stored record a new leader may act on. One that fails {@link RecordIntegrity} is left as it
   * is (an operator must look at it), announced as a WARNING event and logged; nothing acts on it.
   */
  private boolean trusted(DeploymentRecord r) {
    List<String> problems = RecordIntegrity.problems(r, ports.preKillHook().names());
    if (problems.isEmpty()) {
      return true;
    }
    String message = "stored record refused, not resumed (was it edited in ZooKeeper?): " + String.join("; ", problems);
    log.error("[group={}] deployment {}: {}", r.group(), r.id(), message);
    ports.events().accept(new DeploymentEvent(0, ports.clock().instant(), EventKind.WARNING, message, r, List.of(),
        List.of(), List.of()));
    return false;
  }

  /**
   * The analysis gating the deployment ({@link AnalysisChoice}): only traffic steps and a canary's
   * hold are gated, so analysis labels on an app deployed as a plain blue/green are left unused
   * (an explicit {@code --analysis} there is refused by the options' own checks).
   */
  private Optional<AnalysisTemplate> analysis(String appJson, DeploymentOptions options) {
    AppJson app = checkInput(appJson, options);
    if (options.strategy() != ShiftStrategy.WEIGHT_STEPS && !options.canary()) {
      return Optional.empty();
    }
    return AnalysisChoice.resolve(options.analysis(), app.json().path("labels"), ports.analysis().file());
  }

  private static DeploymentOptions withAnalysis(DeploymentOptions options, Optional<AnalysisTemplate> analysis) {
    return options.toBuilder().analysis(analysis.map(AnalysisTemplate::name)).build();
  }

  /** Every pre-rollout webhook must answer 2xx before the record is saved: a refusal changes nothing. */
  private void preRollout(AnalysisTemplate t, DeploymentRecord rec) {
    for (Webhook h : t.hooks(HookType.PRE_ROLLOUT)) {
      WebhookPort.WebhookResult r = ports.analysis().webhooks().call(h.url(), HookPayload.of(HookType.PRE_ROLLOUT, rec,
          ports.clock().instant()), h.timeout());
      if (!r.passed()) {
        throw new PreconditionException("pre-rollout webhook " + h.name() + " answered " + (r.status() == 0 ? "nothing" : r.status())
            + (r.error().isEmpty() ? "" : " (" + r.error() + ")") + "; the deployment was not started and nothing was changed");
      }
    }
  }

  /**
   * Blue's serving tasks already take traffic. So do an existing green's (a held canary being
   * resumed or completed); new green tasks must prove UP on every LB first.
   */
  private static List<String> union(List<String> blue, Optional<AppStatus> existingGreen) {
    TreeSet<String> out = new TreeSet<>(blue);
    existingGreen.ifPresent(g -> g.tasks().stream().filter(TaskStatus::serving).forEach(t -> out.add(t.id())));
    return List.copyOf(out);
  }

  /**
   * The checks of an app definition and options that need nothing but the input: the JSON, its
   * labels, the options together, the group name. {@code zdd lint} and {@code zdd deploy} run
   * exactly these before contacting a coordinator, so a file the CLI accepts is not refused for
   * its content later, and the rules live only here.
   *
   * @throws InvalidInputException naming the offending field
   */
  public static AppJson checkInput(String appJson, DeploymentOptions options) {
    AppJson app = AppJson.parse(appJson);
    options.validate();
    GroupName.of(app.group());
    if (options.strategy() == ShiftStrategy.PORT_SWAP
        && (options.blueFrontendPort() == app.servicePort() || options.greenFrontendPort() == app.servicePort())) {
      throw new InvalidInputException("options.blue_frontend_port", "colour frontend ports must differ from the service port "
          + app.servicePort());
    }
    return app;
  }

  private PreparedDeployment preflight(String appJson, DeploymentOptions options) {
    AppJson app = checkInput(appJson, options);
    options.preKillHook().ifPresent(h -> {
      if (!ports.preKillHook().names().contains(h)) {
        throw new InvalidInputException("options.pre_kill_hook", "no hook named '" + h
            + "' is declared on the coordinator (declared: " + new TreeSet<>(ports.preKillHook().names()) + ")");
      }
    });
    GroupName group = GroupName.of(app.group());
    ports.store().load(group).filter(DeploymentRecord::running).ifPresent(r -> {
      throw new ConflictException("group " + group + " already has deployment " + r.id() + " in phase " + r.phase());
    });
    LbGroups lbGroups = LbGroups.ofJson(app.json().path("labels"));
    List<LbAgentView> agents = ports.fleet().agents(group, lbGroups);
    if (agents.isEmpty()) {
      throw new PreconditionException("no LB agent serves Marathon-LB group(s) " + lbGroups.describe() + " of app "
          + app.id() + " (deployment group " + group + "); nothing would route to the app");
    }
    List<String> down = agents.stream().filter(a -> !a.connected()).map(a -> a.id().value()).toList();
    if (!down.isEmpty()) {
      throw new UnavailableException("LB agents " + down + " serving group " + group + " are not connected");
    }
    return planner.prepare(app, options, ports.marathon().listAppsInGroup(group.value()));
  }
}
