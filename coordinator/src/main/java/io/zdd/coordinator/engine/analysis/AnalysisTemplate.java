package io.zdd.coordinator.engine.analysis;

import io.zdd.common.error.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a deployment's traffic steps are judged: every {@code interval} after a step is applied on
 * every LB, one measurement runs all checks; the step passes after {@code count} measurements
 * with at most {@code failureLimit} failed and at most {@code inconclusiveLimit} inconclusive ones.
 * One failure more ends the analysis as failed ({@link OnFailure}); one inconclusive more pauses
 * the deployment with the reason.
 */
public record AnalysisTemplate(String name, Duration interval, int count, int failureLimit, int inconclusiveLimit,
    OnFailure onFailure, List<LbCheck> lbChecks, List<PromCheck> promChecks, List<Webhook> webhooks) {
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
  public static final int MAX_COUNT = 1000;

  public AnalysisTemplate {
    lbChecks = List.copyOf(lbChecks);
    promChecks = List.copyOf(promChecks);
    webhooks = List.copyOf(webhooks);
    String f = "templates." + name;
    if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(Duration.ofHours(1)) > 0) {
      throw new InvalidInputException(f + ".interval", "must be between 1s and 1h");
    }
    if (count < 1 || count > MAX_COUNT) {
      throw new InvalidInputException(f + ".count", "must be between 1 and " + MAX_COUNT);
    }
    if (failureLimit < 0 || inconclusiveLimit < 0) {
      throw new InvalidInputException(f + ".failureLimit", "limits must be ≥ 0");
    }
    if (lbChecks.isEmpty() && promChecks.isEmpty() && hooks(webhooks, HookType.STEP).isEmpty()) {
      throw new InvalidInputException(f + ".checks", "a template needs at least one check (lb, prometheus or a step webhook)");
    }
  }

  public List<Webhook> hooks(HookType type) {
    return hooks(webhooks, type);
  }

  private static List<Webhook> hooks(List<Webhook> all, HookType type) {
    return all.stream().filter(h -> h.type() == type).toList();
  }

  /** The gates in words, one line each, for {@code zdd plan}. */
  public List<String> describe() {
    List<String> out = new ArrayList<>();
    out.add("analysis '" + name + "': every " + interval.toMillis() / 1000.0 + " s after a traffic step is applied, "
        + count + " measurement(s) must pass (failures allowed: " + failureLimit + ", inconclusive allowed: "
        + inconclusiveLimit + "); on failure: " + (onFailure == OnFailure.ROLLBACK ? "roll back" : "pause"));
    lbChecks.forEach(c -> out.add("  check " + c.describe()));
    promChecks.forEach(c -> out.add("  check " + c.describe()));
    webhooks.forEach(h -> out.add("  " + h.describe()));
    return out;
  }
}
