package io.zdd.coordinator.engine.probe;

import java.util.OptionalDouble;

/**
 * A small reader of the Prometheus text exposition format: finds a sample {@code name} or
 * {@code name{labels}} and returns its value. With several label sets (e.g. one per queue) the
 * values are summed: the task has pending work if any series is above 0.
 */
public final class PrometheusText {
  private PrometheusText() {}

  public static OptionalDouble value(String text, String metric) {
    double sum = 0;
    boolean found = false;
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || !line.startsWith(metric)) {
        continue;
      }
      String rest = line.substring(metric.length());
      if (rest.startsWith("{")) {
        int close = closingBrace(rest);
        if (close < 0) {
          continue;
        }
        rest = rest.substring(close + 1);
      } else if (rest.isEmpty() || !Character.isWhitespace(rest.charAt(0))) {
        continue; // a longer metric name with this one as prefix
      }
      String[] parts = rest.strip().split("\\s+");
      if (parts.length == 0 || parts[0].isEmpty()) {
        continue;
      }
      try {
        double v = parse(parts[0]);
        if (Double.isNaN(v)) {
          return OptionalDouble.empty();
        }
        sum += v;
        found = true;
      } catch (NumberFormatException e) {
        return OptionalDouble.empty();
      }
    }
    return found ? OptionalDouble.of(sum) : OptionalDouble.empty();
  }

  /** Index of the brace closing the label set, skipping quoted label values. */
  private static int closingBrace(String s) {
    boolean quoted = false;
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted && c == '\\') {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == '}' && !quoted) {
        return i;
      }
    }
    return -1;
  }

  private static double parse(String v) {
    return switch (v) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(v);
    };
  }
}
