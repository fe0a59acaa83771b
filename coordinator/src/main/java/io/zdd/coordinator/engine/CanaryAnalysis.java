package io.zdd.coordinator.engine;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.TrafficReading;
import io.zdd.coordinator.engine.analysis.AnalysisChoice;
import io.zdd.coordinator.engine.analysis.AnalysisJudge;
import io.zdd.coordinator.engine.analysis.AnalysisState;
import io.zdd.coordinator.engine.analysis.AnalysisTemplate;
import io.zdd.coordinator.engine.analysis.CheckResult;
import io.zdd.coordinator.engine.analysis.HookType;
import io.zdd.coordinator.engine.analysis.LbCheck;
import io.zdd.coordinator.engine.analysis.OnFailure;
import io.zdd.coordinator.engine.analysis.PromCheck;
import io.zdd.coordinator.engine.analysis.TrafficWindow;
import io.zdd.coordinator.engine.analysis.Verdict;
import io.zdd.coordinator.engine.analysis.Webhook;
import io.zdd.coordinator.engine.port.WebhookPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analysis that gates each traffic step ({@link AnalysisTemplate}): after a step is applied on
 * every LB, every interval one measurement reads the agents' traffic counters (the window since
 * the reading before), runs the Prometheus queries and the step webhooks, and is saved with its
 * verdict ({@link AnalysisJudge}) before the decision acts: passed opens the step, failed rolls
 * back or pauses, too many inconclusive measurements pause with the reason. The webhooks around
 * the rollout (confirm-promotion, post-rollout, rollback) are called from here too.
 *
 * <p>The first reading of a step, and the first after a new leader took over, only starts the
 * window: it is kept in memory, not in the record, and a measurement needs two readings.
 */
final class CanaryAnalysis {
  private static final Logger log = LoggerFactory.getLogger(CanaryAnalysis.class);

  private final Deployment d;
  private Optional<AnalysisTemplate> template;
  private String templateProblem = "";
  private Map<AgentId, TrafficReading> baseline;
  private int baselineStep = -2;

  CanaryAnalysis(Deployment d) {
    this.d = d;
  }

  /** The deployment's template, resolved once; empty when none gates it. */
  Optional<AnalysisTemplate> template() {
    if (template == null) {
      Optional<String> name = d.rec().options().analysis();
      if (name.isEmpty()) {
        template = Optional.empty();
      } else {
        try {
          template = AnalysisChoice.LABELS.equals(name.get())
              ? AnalysisChoice.resolve(Optional.empty(), d.greenJson().path("labels"), d.ports().analysis().file())
              : d.ports().analysis().file().template(name.get());
        } catch (InvalidInputException e) {
          template = Optional.empty();
          templateProblem = e.getMessage();
        }
        if (template.isEmpty() && templateProblem.isEmpty()) {
          templateProblem = "analysis template '" + name.get() + "' is not in this coordinator's analysis file";
        }
      }
    }
    return template;
  }

  /**
   * Gates the current traffic step (applied on every LB, not the last), or a canary's hold: empty
   * once its analysis passed (or was skipped) or when no analysis is configured; otherwise the
   * tick to return.
   */
  Optional<Tick> gate() {
    DeploymentRecord rec = d.rec();
    if (rec.options().analysis().isEmpty()) {
      return Optional.empty();
    }
    if (template().isEmpty()) {
      return Optional.of(pause(rec.analysis(), "analysis cannot run: " + templateProblem));
    }
    AnalysisTemplate t = template.get();
    // A canary by instance count has one hold and no traffic steps: it is step 0.
    int step = Math.max(0, rec.traffic().step());
    AnalysisState a = rec.analysis();
    if (a.step() != step) {
      a = AnalysisState.startAt(step, d.now());
      d.save(rec.toBuilder().analysis(a).build());
      baseline = null;
      d.emit(EventKind.ANALYSIS, "analysis '" + t.name() + "' of step " + (step + 1) + " started: " + t.count()
          + " measurement(s), one every " + t.interval().toMillis() + " ms");
    }
    if (a.open()) {
      return Optional.empty();
    }
    if (a.halted()) {
      return Optional.of(Tick.held("analysis " + a.result().name().toLowerCase(Locale.ROOT) + ": " + a.summary()));
    }
    if (baseline == null || baselineStep != step || a.lastAt() == null) {
      baseline = d.ports().fleet().readTraffic(rec.group(), d.lbGroups());
      baselineStep = step;
      d.save(d.rec().toBuilder().analysis(new AnalysisState(a.step(), a.measurements(), a.failures(), a.inconclusives(), d.now(),
          a.result(), a.summary(), a.confirmed())).build());
      return Optional.of(Tick.waitFor(t.interval(), "analysing step " + (step + 1)));
    }
    Duration left = Duration.between(d.now(), a.lastAt().plus(t.interval()));
    if (!left.isNegative() && !left.isZero()) {
      return Optional.of(Tick.waitFor(left, "analysing step " + (step + 1)));
    }
    Map<AgentId, TrafficReading> reading = d.ports().fleet().readTraffic(rec.group(), d.lbGroups());
    TrafficWindow window = TrafficWindow.between(baseline, reading, rec.group().value());
    baseline = reading;
    List<CheckResult> results = measure(t, window);
    AnalysisState next = AnalysisJudge.next(a, results, d.now(), t);
    d.save(d.rec().toBuilder().analysis(next).build());
    d.emitAnalysis("step " + (step + 1) + " " + next.summary(), results);
    return switch (next.result()) {
      case PASSED -> Optional.empty();
      case FAILED -> Optional.of(t.onFailure() == OnFailure.ROLLBACK
          ? d.rollback().start("analysis failed at step " + (step + 1) + ": " + next.summary())
          : pause(next, "analysis failed at step " + (step + 1) + ": " + next.summary()));
      case INCONCLUSIVE -> Optional.of(pause(next, "analysis inconclusive at step " + (step + 1) + ": " + next.summary()));
      default -> Optional.of(Tick.waitFor(t.interval(), "analysing step " + (step + 1)));
    };
  }

  private List<CheckResult> measure(AnalysisTemplate t, TrafficWindow window) {
    List<CheckResult> out = new ArrayList<>();
    for (LbCheck c : t.lbChecks()) {
      out.addAll(c.evaluate(window, d.rec().greenColour()));
    }
    for (PromCheck c : t.promChecks()) {
      out.add(query(c));
    }
    for (Webhook h : t.hooks(HookType.STEP)) {
      WebhookPort.WebhookResult r = call(h);
      out.add(new CheckResult(h.name(), CheckResult.ALL_LBS, r.passed() ? Verdict.PASS : Verdict.FAIL, r.status(),
          "step webhook answered " + (r.status() == 0 ? "nothing (" + r.error() + ")" : r.status()
              + (r.passed() ? "" : ": " + r.error()))));
    }
    return out;
  }

  private CheckResult query(PromCheck c) {
    DeploymentRecord r = d.rec();
    String q = c.query().render(Map.of("group", r.group().value(), "colour", r.greenColour().label(), "app", r.greenAppId(),
        "greenApp", r.greenAppId(), "blueApp", r.blueAppId(), "step", Integer.toString(r.traffic().step() + 1),
        "share", Integer.toString(r.traffic().greenPercent(r.options().trafficSteps()))));
    try {
      return c.judge(d.ports().analysis().metrics().query(q));
    } catch (InvalidInputException | UnavailableException e) {
      return new CheckResult(c.name(), CheckResult.ALL_LBS, Verdict.INCONCLUSIVE, Double.NaN, "query failed: " + e.getMessage());
    }
  }

  /**
   * Before green takes all traffic: every confirm-promotion webhook must answer 2xx. Empty when
   * they did (saved, so they are not asked again) or there are none; otherwise the wait.
   */
  Optional<Tick> confirmPromotion() {
    List<Webhook> hooks = template().map(t -> t.hooks(HookType.CONFIRM_PROMOTION)).orElse(List.of());
    if (hooks.isEmpty() || d.rec().analysis().confirmed()) {
      return Optional.empty();
    }
    for (Webhook h : hooks) {
      WebhookPort.WebhookResult r = call(h);
      if (!r.passed()) {
        String why = "confirm-promotion webhook " + h.name() + " answered " + (r.status() == 0 ? "nothing" : r.status())
            + (r.error().isEmpty() ? "" : " (" + r.error() + ")") + "; holding before the switch to 100%";
        if (!why.equals(d.rec().message())) {
          d.save(d.rec().toBuilder().message(why).build());
          d.emit(EventKind.ANALYSIS, why);
        }
        return Optional.of(Tick.waitFor(template.get().interval(), why));
      }
    }
    d.save(d.rec().toBuilder().analysis(d.rec().analysis().withConfirmed(true)).build());
    d.emit(EventKind.ANALYSIS, "confirm-promotion webhooks answered 2xx: switching green to 100%");
    return Optional.empty();
  }

  /** The switch to 100 % must first ask confirm-promotion webhooks (not answered 2xx yet). */
  boolean needsConfirmation(DeploymentRecord rec) {
    return !rec.analysis().confirmed() && template().map(t -> !t.hooks(HookType.CONFIRM_PROMOTION).isEmpty()).orElse(false);
  }

  /** Calls the hooks of {@code type} whose answer is only recorded (post-rollout, rollback). */
  void announce(HookType type) {
    for (Webhook h : template().map(t -> t.hooks(type)).orElse(List.of())) {
      WebhookPort.WebhookResult r = call(h);
      if (!r.passed()) {
        d.emit(EventKind.WARNING, type.key() + " webhook " + h.name() + " answered " + (r.status() == 0 ? "nothing" : r.status())
            + (r.error().isEmpty() ? "" : " (" + r.error() + ")"));
      }
    }
  }

  private WebhookPort.WebhookResult call(Webhook h) {
    WebhookPort.WebhookResult r = d.ports().analysis().webhooks().call(h.url(), HookPayload.of(h.type(), d.rec(), d.now()),
        h.timeout());
    log.info("{} webhook {} answered {} in {} ms", h.type().key(), h.name(), r.status(), r.took().toMillis());
    return r;
  }

  private Tick pause(AnalysisState a, String why) {
    if (!d.rec().paused()) {
      d.save(d.rec().toBuilder().paused(true).message(why).analysis(a).build());
      d.emit(EventKind.WARNING, "paused: " + why + "; resume to analyse the step again, promote --skip-analysis to move on, "
          + "abort to roll back");
    }
    return Tick.held(why);
  }
}
