package io.zdd.coordinator.engine.analysis;

import io.zdd.common.error.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A PromQL check: every value the query returns must stay within the bounds. No series at all is
 * inconclusive ("no values found"), as is a NaN: a query that sees nothing never passes.
 *
 * @param max every value must be ≤ this (NaN: no such bound)
 * @param min every value must be ≥ this (NaN: no such bound)
 */
public record PromCheck(String name, PromQlTemplate query, double max, double min) {
  public PromCheck {
    if (Double.isNaN(max) && Double.isNaN(min)) {
      throw new InvalidInputException("checks." + name, "a Prometheus check needs max or min");
    }
  }

  /** Judges the query's values (one per series). */
  public CheckResult judge(List<Double> values) {
    if (values.isEmpty()) {
      return new CheckResult(name, CheckResult.ALL_LBS, Verdict.INCONCLUSIVE, Double.NaN, "no values found for the query");
    }
    for (double v : values) {
      if (Double.isNaN(v)) {
        return new CheckResult(name, CheckResult.ALL_LBS, Verdict.INCONCLUSIVE, v, "the query returned NaN");
      }
      if (!Double.isNaN(max) && v > max) {
        return new CheckResult(name, CheckResult.ALL_LBS, Verdict.FAIL, v, "value " + fmt(v) + " > max " + fmt(max));
      }
      if (!Double.isNaN(min) && v < min) {
        return new CheckResult(name, CheckResult.ALL_LBS, Verdict.FAIL, v, "value " + fmt(v) + " < min " + fmt(min));
      }
    }
    double first = values.get(0);
    return new CheckResult(name, CheckResult.ALL_LBS, Verdict.PASS, first, "value " + fmt(first)
        + (values.size() > 1 ? " (and " + (values.size() - 1) + " more series)" : "") + " within bounds");
  }

  public String describe() {
    List<String> parts = new ArrayList<>();
    if (!Double.isNaN(max)) {
      parts.add("≤ " + fmt(max));
    }
    if (!Double.isNaN(min)) {
      parts.add("≥ " + fmt(min));
    }
    return name + ": PromQL " + query.text() + " " + String.join(" and ", parts);
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
