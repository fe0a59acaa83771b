package io.zdd.coordinator.engine.analysis;

import java.util.Locale;

/** What one check, or one measurement, says about the new version. */
public enum Verdict {
  PASS,
  FAIL,
  /** Not enough data to judge (too few requests, no series, the metrics backend unreachable): never a pass. */
  INCONCLUSIVE;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The verdict of a measurement made of checks: any failure fails it, else any inconclusive check. */
  public static Verdict worst(Iterable<Verdict> verdicts) {
    Verdict out = PASS;
    for (Verdict v : verdicts) {
      if (v == FAIL) {
        return FAIL;
      }
      if (v == INCONCLUSIVE) {
        out = INCONCLUSIVE;
      }
    }
    return out;
  }
}
