package io.zdd.bench;

import java.util.Arrays;
import java.util.Collection;

/**
 * Nearest-rank percentiles of a set of latencies given in nanoseconds, reported in milliseconds.
 * Nearest-rank (no interpolation) so every number printed is a latency that was really measured.
 */
public record LatencySummary(int count, double p50Ms, double p90Ms, double p99Ms, double maxMs, double meanMs) {

  public static LatencySummary ofNanos(Collection<Long> nanos) {
    if (nanos.isEmpty()) {
      return new LatencySummary(0, 0, 0, 0, 0, 0);
    }
    long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
    return new LatencySummary(sorted.length, ms(rank(sorted, 50)), ms(rank(sorted, 90)), ms(rank(sorted, 99)),
        ms(sorted[sorted.length - 1]), mean);
  }

  /** The smallest value with at least p percent of the values at or below it. */
  static long rank(long[] sorted, double p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
