package io.zdd.coordinator.engine.analysis;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.Colour;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * An LB-observed check on the new version's traffic ("green" below means the deployment's new
 * app, whatever its colour label): its metric must stay within every bound given. Judged on the
 * sum over every LB, and on each LB alone so that one broken LB path shows: the check fails when
 * either fails. With fewer than {@code minRequests} green responses in the window (summed over
 * every LB) the result is inconclusive, never a pass; an LB alone with fewer than its share of
 * them is not judged on its own.
 *
 * @param max green's value must be ≤ this (NaN: no such bound)
 * @param min green's value must be ≥ this (NaN: no such bound)
 * @param maxOverBlue green's value must be ≤ blue's + this (ratios in fractions: 0.005 is 0.5 pp)
 * @param maxFactorOfBlue green's value must be ≤ this × blue's
 */
public record LbCheck(String name, LbMetric metric, double max, double min, double maxOverBlue, double maxFactorOfBlue,
    long minRequests) {

  public LbCheck {
    if (Double.isNaN(max) && Double.isNaN(min) && Double.isNaN(maxOverBlue) && Double.isNaN(maxFactorOfBlue)) {
      throw new InvalidInputException("checks." + name, "an LB check needs max, min, maxOverBlue or maxFactorOfBlue");
    }
    if (minRequests < 0) {
      throw new InvalidInputException("checks." + name + ".minRequests", "must be ≥ 0");
    }
  }

  /** Judges {@code green}'s traffic against {@code blue}'s in the window: the sum first, then each LB. */
  public List<CheckResult> evaluate(TrafficWindow window, Colour green) {
    List<CheckResult> out = new ArrayList<>();
    CheckResult all = judge(CheckResult.ALL_LBS, window.total(green), window.total(green.other()), minRequests);
    out.add(all);
    int lbs = window.perLb().size();
    long perLbMin = lbs == 0 ? minRequests : (minRequests + lbs - 1) / lbs;
    for (Map.Entry<String, ?> lb : window.perLb().entrySet()) {
      CheckResult one = judge(lb.getKey(), window.on(lb.getKey(), green), window.on(lb.getKey(), green.other()), perLbMin);
      if (one.verdict() != Verdict.INCONCLUSIVE) {
        out.add(one);
      }
    }
    return out;
  }

  private CheckResult judge(String lb, ColourTraffic green, ColourTraffic blue, long needed) {
    long seen = green.responses();
    OptionalDouble value = metric.of(green);
    if (seen < needed || value.isEmpty()) {
      return new CheckResult(name, lb, Verdict.INCONCLUSIVE, value.orElse(Double.NaN),
          "green answered " + seen + " requests, fewer than the " + needed + " needed to judge");
    }
    double v = value.getAsDouble();
    String shown = "green " + metric.key() + " " + metric.format(v);
    if (!Double.isNaN(max) && v > max) {
      return fail(lb, v, shown + " > max " + metric.format(max) + " (" + seen + " requests)");
    }
    if (!Double.isNaN(min) && v < min) {
      return fail(lb, v, shown + " < min " + metric.format(min) + " (" + seen + " requests)");
    }
    if (!Double.isNaN(maxOverBlue) || !Double.isNaN(maxFactorOfBlue)) {
      OptionalDouble b = metric.of(blue);
      if (b.isEmpty()) {
        return new CheckResult(name, lb, Verdict.INCONCLUSIVE, v, shown + "; blue answered nothing to compare with");
      }
      double bv = b.getAsDouble();
      if (!Double.isNaN(maxOverBlue) && v > bv + maxOverBlue) {
        return fail(lb, v, shown + " > blue's " + metric.format(bv) + " + " + metric.format(maxOverBlue));
      }
      if (!Double.isNaN(maxFactorOfBlue) && v > bv * maxFactorOfBlue) {
        return fail(lb, v, shown + " > " + String.format(Locale.ROOT, "%.2f", maxFactorOfBlue) + " × blue's "
            + metric.format(bv));
      }
    }
    return new CheckResult(name, lb, Verdict.PASS, v, shown + " within bounds (" + seen + " requests)");
  }

  private CheckResult fail(String lb, double v, String detail) {
    return new CheckResult(name, lb, Verdict.FAIL, v, detail);
  }

  /** The rule in words, for {@code zdd plan}. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    if (!Double.isNaN(max)) {
      parts.add("≤ " + metric.format(max));
    }
    if (!Double.isNaN(min)) {
      parts.add("≥ " + metric.format(min));
    }
    if (!Double.isNaN(maxOverBlue)) {
      parts.add("≤ blue's + " + metric.format(maxOverBlue));
    }
    if (!Double.isNaN(maxFactorOfBlue)) {
      parts.add("≤ " + String.format(Locale.ROOT, "%.2f", maxFactorOfBlue) + " × blue's");
    }
    return name + ": LB-observed green " + metric.key() + " " + String.join(" and ", parts)
        + (minRequests > 0 ? ", at least " + minRequests + " requests seen" : "") + ", over every LB and on each";
  }
}
