package io.zdd.deploy.report;

import java.util.ArrayList;
import java.util.List;

/** Axis ticks at round values (1, 2, 2.5, 5 times a power of ten), so axes read at a glance. */
final class NiceTicks {
  private NiceTicks() {}

  /** A step that puts about {@code wanted} ticks between 0 and max. */
  static double step(double max, int wanted) {
    if (!(max > 0)) {
      return 1;
    }
    double raw = max / Math.max(1, wanted);
    double power = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * power >= raw) {
        return m * power;
      }
    }
    return 10 * power;
  }

  /** The axis top: max rounded up to a whole step (at least one step). */
  static double top(double max, int wanted) {
    double step = step(max, wanted);
    return Math.max(step, Math.ceil(max / step - 1e-9) * step);
  }

  /** Ticks 0, step, 2·step, ... up to and including top. */
  static List<Double> ticks(double top, int wanted) {
    double step = step(top, wanted);
    List<Double> out = new ArrayList<>();
    for (int i = 0; i * step <= top + step * 1e-9; i++) {
      out.add(i * step);
    }
    return out;
  }
}
