package io.zdd.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Prometheus files pass the real {@code promtool} (Debian package prometheus):
 * config and rules are valid, and the alert rules fire on the inputs they are meant for and stay
 * silent on near misses ({@code promtool test rules}, spec in zdd-alerts-test.yml).
 */
class PromtoolIT {
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  private static final Path PROMETHEUS = ManifestFiles.manifests().resolve("prometheus");

  record Result(int exit, String output) {}

  static Result promtool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      throw new AssertionError("promtool " + String.join(" ", args) + " did not finish in 30 s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  @Test
  void scrapeConfigIsValidAndLoadsTheRules() throws Exception {
    Result r = promtool("check", "config", PROMETHEUS.resolve("prometheus.yml").toString());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS: 1 rule files found");
  }

  @Test
  void alertRulesAreValid() throws Exception {
    Result r = promtool("check", "rules", PROMETHEUS.resolve("zdd-alerts.yml").toString());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS: 8 rules found");
  }

  @Test
  void alertsFireOnTheirConditionAndNotOnNearMisses(@TempDir Path dir) throws Exception {
    Path spec = dir.resolve("zdd-alerts-test.yml");
    Files.writeString(spec, resource("zdd-alerts-test.yml")
        .replace("@RULES@", PROMETHEUS.resolve("zdd-alerts.yml").toAbsolutePath().toString()));
    Result r = promtool("test", "rules", spec.toString());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  /** The harness can tell a broken rule file: a rule with bad PromQL makes promtool fail. */
  @Test
  void brokenRulesAreRejected(@TempDir Path dir) throws Exception {
    Path broken = dir.resolve("broken.yml");
    Files.writeString(broken, "groups:\n  - name: x\n    rules:\n      - alert: Bad\n        expr: sum(zdd_leader\n");
    Result r = promtool("check", "rules", broken.toString());
    assertThat(r.exit()).as(r.output()).isNotZero();
  }

  private static String resource(String name) throws IOException {
    try (var in = PromtoolIT.class.getResourceAsStream(name)) {
      assertThat(in).as("test resource " + name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
