package io.zdd.bench.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of {@code bin/zdd bench fleet}: three agents (one with a real HAProxy, two on the
 * runtime-API stand-in), five steps. It checks that the bench runs end to end and that every
 * read-back confirmed every step, not how fast: no timing is asserted.
 */
class FleetBenchIT {
  @TempDir Path dir;

  @Test
  void threeAgentsFiveStepsEveryReadBackConfirmed() throws Exception {
    Path out = dir.resolve("fleet.md");
    int code = FleetBench.run("--agents", "3", "--real-haproxy", "1", "--steps", "5", "--warmup", "1", "--idle", "1",
        "--out", out.toString());

    assertThat(code).isZero();
    String md = Files.readString(out, StandardCharsets.UTF_8);
    // The latency row: 3 agents (1 real + 2 stand-in), 5 steps, 15 of 15 read-backs confirmed, then numbers.
    Matcher row = Pattern.compile("\\| 3 \\(1 \\+ 2\\) \\| 5 \\| 15 / 15 \\| (\\d+) \\| ([\\d.]+) \\| ([\\d.]+) \\| "
        + "([\\d.]+) \\| ([\\d.]+) \\| ([\\d.]+) \\|").matcher(md);
    assertThat(row.find()).as(md).isTrue();
    assertThat(Double.parseDouble(row.group(5))).as("max step latency").isPositive();
    // CPU and memory rows for both windows, with the real HAProxy's processes found.
    assertThat(md).containsPattern("\\| 3 \\| idle 1 s \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ "
        + "\\| [\\d.]+ \\(2 processes\\)");
    assertThat(md).containsPattern("\\| 3 \\| 5 steps, \\d+ s \\| [\\d.]+ \\| [\\d.]+ \\|");
    assertThat(md).contains("stand-in for HAProxy's runtime API, not HAProxy");
    assertThat(md).doesNotContain("failed");
  }
}
