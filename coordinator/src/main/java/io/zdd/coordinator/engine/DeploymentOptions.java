package io.zdd.coordinator.engine;

import io.zdd.common.model.Validation;

import io.zdd.common.error.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Options of one deployment: zdd.py's flags plus zdd's own (docs/architecture.md, Protocol v1). Build with
 * {@link #builder()}; {@link #validate()} checks them together and names the offending option.
 *
 * @param trafficSteps green's share in percent per step (WEIGHT_STEPS), ascending, ending at 100
 * @param stepPause pause between traffic steps; zero means wait for {@code promote} at each step
 *     but the last
 * @param blueFrontendPort/greenFrontendPort PORT_SWAP only: each colour's own frontend port
 * @param marathonRetryTimeout how long a failing Marathon write (409 locked, 5xx, timeout) is
 *     retried before the deployment rolls back
 * @param sampleMaxAge a connection sample older than this does not count as fresh
 * @param analysis the analysis template gating each traffic step: a name in the coordinator's
 *     analysis file, or {@code labels} for rules in the app's {@code ZDD_ANALYSIS_*} labels
 */
public record DeploymentOptions(
    int initialInstances,
    int linearIncrease,
    int newInstances,
    Duration stepDelay,
    Duration maxWait,
    boolean dryRun,
    boolean completeCur,
    boolean completePrev,
    boolean resume,
    Optional<String> preKillHook,
    ShiftStrategy strategy,
    List<Integer> trafficSteps,
    Duration stepPause,
    DrainPolicy drainPolicy,
    Duration healthTimeout,
    Duration keepPrevious,
    Optional<String> pendingMetric,
    Optional<String> pendingMetricPath,
    Optional<Integer> pendingMetricPortIndex,
    int blueFrontendPort,
    int greenFrontendPort,
    Duration marathonRetryTimeout,
    Duration sampleMaxAge,
    String requestedBy,
    Optional<String> analysis) {

  private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]{0,199}");
  private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9_./?=&%~+-]{0,199}");
  /** A hook is named, never given as a path: the coordinator maps names to executables. */
  public static final Pattern HOOK_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  public DeploymentOptions {
    preKillHook = preKillHook == null ? Optional.empty() : preKillHook;
    requestedBy = requestedBy == null ? "" : requestedBy;
    analysis = analysis == null ? Optional.empty() : analysis;
    trafficSteps = List.copyOf(trafficSteps == null ? List.of() : trafficSteps);
    pendingMetric = pendingMetric == null ? Optional.empty() : pendingMetric;
    pendingMetricPath = pendingMetricPath == null ? Optional.empty() : pendingMetricPath;
    pendingMetricPortIndex = pendingMetricPortIndex == null ? Optional.empty() : pendingMetricPortIndex;
    if (strategy == null) {
      strategy = trafficSteps.isEmpty() ? ShiftStrategy.INSTANCE_RATIO : ShiftStrategy.WEIGHT_STEPS;
    }
    drainPolicy = drainPolicy == null ? DrainPolicy.WAIT : drainPolicy;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** True for a canary that holds N new instances beside the old ones (zdd.py hybrid mode). */
  public boolean canary() {
    return newInstances > 0;
  }

  /** Checks the options together; throws naming the first bad option. Changes nothing. */
  public DeploymentOptions validate() {
    if (initialInstances < 1) {
      throw new InvalidInputException("options.initial_instances", "must be at least 1, got " + initialInstances);
    }
    if (linearIncrease < 0) {
      throw new InvalidInputException("options.linear_increase", "must not be negative, got " + linearIncrease);
    }
    if (newInstances < 0) {
      throw new InvalidInputException("options.new_instances", "must not be negative, got " + newInstances);
    }
    positive("options.step_delay", stepDelay);
    positive("options.max_wait", maxWait);
    positive("options.health_timeout", healthTimeout);
    positive("options.marathon_retry_timeout", marathonRetryTimeout);
    positive("options.sample_max_age", sampleMaxAge);
    nonNegative("options.step_pause", stepPause);
    nonNegative("options.keep_previous", keepPrevious);
    int flags = (completeCur ? 1 : 0) + (completePrev ? 1 : 0) + (resume ? 1 : 0);
    if (flags > 1) {
      throw new InvalidInputException("options.complete_cur",
          "--complete-cur, --complete-prev and --resume exclude each other");
    }
    if (strategy == ShiftStrategy.WEIGHT_STEPS) {
      if (trafficSteps.isEmpty()) {
        throw new InvalidInputException("options.traffic_steps", "WEIGHT_STEPS needs at least one step (e.g. 5,25,50,100)");
      }
      int previous = 0;
      for (int i = 0; i < trafficSteps.size(); i++) {
        int s = trafficSteps.get(i);
        if (s < 1 || s > 100 || s <= previous) {
          throw new InvalidInputException("options.traffic_steps[" + i + "]",
              "steps must be ascending percentages in 1..100, got " + trafficSteps);
        }
        previous = s;
      }
      if (previous != 100) {
        throw new InvalidInputException("options.traffic_steps", "the last step must be 100, got " + trafficSteps);
      }
      if (newInstances > 0) {
        throw new InvalidInputException("options.new_instances",
            "a canary by instance count (--new-instances) cannot be combined with --traffic steps");
      }
    } else if (!trafficSteps.isEmpty()) {
      throw new InvalidInputException("options.traffic_steps", "only valid with the WEIGHT_STEPS strategy");
    }
    if (strategy == ShiftStrategy.PORT_SWAP) {
      if (newInstances > 0) {
        throw new InvalidInputException("options.new_instances", "a canary cannot be combined with --swap port");
      }
      checkPort("options.blue_frontend_port", blueFrontendPort);
      checkPort("options.green_frontend_port", greenFrontendPort);
      if (blueFrontendPort == greenFrontendPort) {
        throw new InvalidInputException("options.green_frontend_port", "must differ from the blue frontend port");
      }
    }
    pendingMetric.ifPresent(m -> {
      if (!METRIC.matcher(m).matches()) {
        throw new InvalidInputException("options.pending_metric", "not a Prometheus metric name: '" + Validation.printable(m) + "'");
      }
    });
    pendingMetricPath.ifPresent(p -> {
      if (!PATH.matcher(p).matches()) {
        throw new InvalidInputException("options.pending_metric_path",
            "must be an absolute URL path, got '" + Validation.printable(p) + "'");
      }
    });
    pendingMetricPortIndex.ifPresent(i -> {
      if (i < 0 || i > 64) {
        throw new InvalidInputException("options.pending_metric_port_index", "must be 0..64, got " + i);
      }
    });
    analysis.ifPresent(a -> {
      if (strategy != ShiftStrategy.WEIGHT_STEPS && newInstances == 0) {
        throw new InvalidInputException("options.analysis", "analysis gates traffic steps or a canary's hold: give "
            + "--traffic steps (e.g. 10,50,100) or --new-instances with it");
      }
      if (!HOOK_NAME.matcher(a).matches()) {
        throw new InvalidInputException("options.analysis", "must name an analysis template, got '" + Validation.printable(a) + "'");
      }
    });
    preKillHook.ifPresent(h -> {
      if (!HOOK_NAME.matcher(h).matches()) {
        throw new InvalidInputException("options.pre_kill_hook", "must name a hook declared on the coordinator "
            + "(--hook NAME=/absolute/path), not a path; got '" + Validation.printable(h) + "'");
      }
    });
    return this;
  }

  static void checkPort(String field, int port) {
    if (port < 1 || port > 65535) {
      throw new InvalidInputException(field, "port must be 1..65535, got " + port);
    }
  }

  private static void positive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new InvalidInputException(field, "must be a positive duration, got " + d);
    }
  }

  private static void nonNegative(String field, Duration d) {
    if (d == null || d.isNegative()) {
      throw new InvalidInputException(field, "must not be negative, got " + d);
    }
  }

  /** Defaults follow zdd.py where it has the flag (step delay 5 s, max wait 300 s, 1 initial instance). */
  public static final class Builder {
    private int initialInstances = 1;
    private int linearIncrease;
    private int newInstances;
    private Duration stepDelay = Duration.ofSeconds(5);
    private Duration maxWait = Duration.ofSeconds(300);
    private boolean dryRun;
    private boolean completeCur;
    private boolean completePrev;
    private boolean resume;
    private Optional<String> preKillHook = Optional.empty();
    private ShiftStrategy strategy;
    private List<Integer> trafficSteps = List.of();
    private Duration stepPause = Duration.ZERO;
    private DrainPolicy drainPolicy = DrainPolicy.WAIT;
    private Duration healthTimeout = Duration.ofMinutes(10);
    private Duration keepPrevious = Duration.ZERO;
    private Optional<String> pendingMetric = Optional.empty();
    private Optional<String> pendingMetricPath = Optional.empty();
    private Optional<Integer> pendingMetricPortIndex = Optional.empty();
    private int blueFrontendPort;
    private int greenFrontendPort;
    private Duration marathonRetryTimeout = Duration.ofMinutes(2);
    private Duration sampleMaxAge = Duration.ofSeconds(15);
    private String requestedBy = "";
    private Optional<String> analysis = Optional.empty();

    private Builder() {}

    private Builder(DeploymentOptions o) {
      initialInstances = o.initialInstances;
      linearIncrease = o.linearIncrease;
      newInstances = o.newInstances;
      stepDelay = o.stepDelay;
      maxWait = o.maxWait;
      dryRun = o.dryRun;
      completeCur = o.completeCur;
      completePrev = o.completePrev;
      resume = o.resume;
      preKillHook = o.preKillHook;
      strategy = o.strategy;
      trafficSteps = o.trafficSteps;
      stepPause = o.stepPause;
      drainPolicy = o.drainPolicy;
      healthTimeout = o.healthTimeout;
      keepPrevious = o.keepPrevious;
      pendingMetric = o.pendingMetric;
      pendingMetricPath = o.pendingMetricPath;
      pendingMetricPortIndex = o.pendingMetricPortIndex;
      blueFrontendPort = o.blueFrontendPort;
      greenFrontendPort = o.greenFrontendPort;
      marathonRetryTimeout = o.marathonRetryTimeout;
      sampleMaxAge = o.sampleMaxAge;
      requestedBy = o.requestedBy;
      analysis = o.analysis;
    }

    public Builder initialInstances(int v) {
      initialInstances = v;
      return this;
    }

    public Builder linearIncrease(int v) {
      linearIncrease = v;
      return this;
    }

    public Builder newInstances(int v) {
      newInstances = v;
      return this;
    }

    public Builder stepDelay(Duration v) {
      stepDelay = v;
      return this;
    }

    public Builder maxWait(Duration v) {
      maxWait = v;
      return this;
    }

    public Builder dryRun(boolean v) {
      dryRun = v;
      return this;
    }


    public Builder completeCur(boolean v) {
      completeCur = v;
      return this;
    }

    public Builder completePrev(boolean v) {
      completePrev = v;
      return this;
    }

    public Builder resume(boolean v) {
      resume = v;
      return this;
    }

    public Builder preKillHook(String v) {
      preKillHook = Optional.ofNullable(v);
      return this;
    }

    public Builder strategy(ShiftStrategy v) {
      strategy = v;
      return this;
    }

    public Builder trafficSteps(List<Integer> v) {
      trafficSteps = v;
      return this;
    }

    public Builder stepPause(Duration v) {
      stepPause = v;
      return this;
    }

    public Builder drainPolicy(DrainPolicy v) {
      drainPolicy = v;
      return this;
    }

    public Builder healthTimeout(Duration v) {
      healthTimeout = v;
      return this;
    }

    public Builder keepPrevious(Duration v) {
      keepPrevious = v;
      return this;
    }

    public Builder pendingMetric(String v) {
      pendingMetric = Optional.ofNullable(v);
      return this;
    }

    public Builder pendingMetricPath(String v) {
      pendingMetricPath = Optional.ofNullable(v);
      return this;
    }

    public Builder pendingMetricPortIndex(Integer v) {
      pendingMetricPortIndex = Optional.ofNullable(v);
      return this;
    }

    public Builder swapFrontendPorts(int blue, int green) {
      blueFrontendPort = blue;
      greenFrontendPort = green;
      return this;
    }

    public Builder marathonRetryTimeout(Duration v) {
      marathonRetryTimeout = v;
      return this;
    }

    public Builder sampleMaxAge(Duration v) {
      sampleMaxAge = v;
      return this;
    }

    public Builder analysis(Optional<String> v) {
      analysis = v;
      return this;
    }

    public Builder requestedBy(String v) {
      requestedBy = v;
      return this;
    }

    public DeploymentOptions build() {
      return new DeploymentOptions(initialInstances, linearIncrease, newInstances, stepDelay, maxWait,
          dryRun, completeCur, completePrev, resume, preKillHook, strategy, trafficSteps,
          stepPause, drainPolicy, healthTimeout, keepPrevious, pendingMetric, pendingMetricPath,
          pendingMetricPortIndex, blueFrontendPort, greenFrontendPort, marathonRetryTimeout,
          sampleMaxAge, requestedBy, analysis);
    }
  }
}
