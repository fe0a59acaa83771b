package io.zdd.coordinator.engine.analysis;

/**
 * One check's result in one measurement.
 *
 * @param check the check's name
 * @param lb the LB it was judged on, or {@link #ALL_LBS} for the sum over every LB
 * @param value the measured value (NaN when there was nothing to measure)
 * @param detail why, in words ("green 5xx ratio 0.21 > max 0.01 (412 requests)")
 */
public record CheckResult(String check, String lb, Verdict verdict, double value, String detail) {
  public static final String ALL_LBS = "";

  public CheckResult {
    lb = lb == null ? ALL_LBS : lb;
    detail = detail == null ? "" : detail;
  }

  /** "check: detail", or "check on lb-2: detail" for one LB. */
  public String describe() {
    return check + (lb.isEmpty() ? "" : " on " + lb) + ": " + detail;
  }
}
