package io.zdd.bench;

import io.zdd.common.concurrent.NamedThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reads the 1-minute load average from /proc/loadavg every few seconds during the run: the
 * machine is shared, and latencies mean little without the load they were measured under.
 */
final class LoadAverageSampler implements AutoCloseable {
  private static final Path LOADAVG = Path.of("/proc/loadavg");

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("bench-loadavg"));
  private final List<Double> samples = new CopyOnWriteArrayList<>();

  void start() {
    var unused = timer.scheduleAtFixedRate(() -> read().ifPresent(samples::add), 0, 2, TimeUnit.SECONDS);
  }

  /** The whole /proc/loadavg line, for the report. */
  static String line() {
    try {
      return Files.readString(LOADAVG).trim();
    } catch (IOException e) {
      return "unavailable (" + e.getMessage() + ")";
    }
  }

  static Optional<Double> read() {
    try {
      return Optional.of(parseOneMinute(Files.readString(LOADAVG)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static double parseOneMinute(String loadavg) {
    return Double.parseDouble(loadavg.trim().split("\\s+")[0]);
  }

  /** min / mean / max of the 1-minute load average seen, or "n/a". */
  String summary() {
    if (samples.isEmpty()) {
      return "n/a";
    }
    double min = samples.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double max = samples.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    double mean = samples.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    return String.format(Locale.ROOT, "min %.2f / mean %.2f / max %.2f (%d samples, every 2 s)",
        min, mean, max, samples.size());
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
