package io.zdd.deploy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.coordinator.cli.ExitCodes;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as a pipeline runs it: {@code bin/zdd} itself (module {@code target/classes} and the
 * dependency jars, module jars left out, exactly as it builds the classpath) in a child JVM
 * against a running local cluster (one coordinator, one lb-agent with its HAProxy, the local
 * Marathon). Every {@code --json} command's standard output goes through Jackson: every line is
 * one JSON object and there is no other line, logs and logback's status lines included. Then
 * {@code status --wait} exits with the outcome of real deployments.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliPipelineIT {
  private static final int SERVICE_PORT = 10180;
  private static final int ALT_PORT = 10181;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  static LocalCluster cluster;
  static Path root;
  static Path classpathFile;
  static String firstId;

  @BeforeAll
  static void startCluster() throws Exception {
    root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    if (!Files.exists(root.resolve("bin/zdd"))) {
      root = root.getParent();
    }
    assertThat(root.resolve("bin/zdd")).exists();
    // bin/zdd reads its dependency jars from this file and leaves the module jars out itself;
    // written now, it is newer than every source, so bin/zdd builds nothing.
    classpathFile = work.resolve("zdd-classpath.txt");
    String jars = String.join(":", Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> e.endsWith(".jar")).toList());
    Files.writeString(classpathFile, jars, StandardCharsets.UTF_8);

    cluster = new LocalCluster(new LocalCluster.Options(1, 1, work.resolve("cluster"), Duration.ofSeconds(6), false));
    cluster.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> cluster.leader().isPresent());
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
        .until(() -> zdd("agents").out().contains(" connected "));
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private record Run(List<String> args, int exit, String out, String err) {
    /** Standard output as JSON objects (none for an empty list), failing on any line that is not one. */
    List<JsonNode> json() throws Exception {
      List<JsonNode> nodes = new ArrayList<>();
      for (String line : out.split("\n", -1)) {
        if (line.isEmpty()) {
          continue;
        }
        JsonNode n = JSON.readTree(line);
        assertThat(n.isObject()).as("%s: line %s", args, line).isTrue();
        nodes.add(n);
      }
      if (!out.isEmpty()) {
        assertThat(out).as("%s ends its output with a newline", args).endsWith("\n");
      }
      return nodes;
    }
  }

  /** {@code bin/zdd ARGS} as the operator, against the cluster's coordinator. */
  private static Run zdd(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/zdd").toString()));
    cmd.addAll(cluster.operatorFlags());
    cmd.addAll(List.of("--coordinator", cluster.anyCoordinator()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(work, "out", ".txt");
    Path err = Files.createTempFile(work, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("ZDD_CLASSPATH_FILE", classpathFile.toString());
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("bin/zdd " + List.of(args) + " did not end");
    }
    return new Run(List.of(args), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** {@code bin/zdd ARGS} as given, with no cluster flags. */
  private static Run launcher(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/zdd").toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(work, "out", ".txt");
    Path err = Files.createTempFile(work, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("ZDD_CLASSPATH_FILE", classpathFile.toString());
    Process p = pb.start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Run(List.of(args), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static Path app(String version) throws Exception {
    Path f = work.resolve("web-" + version + ".json");
    Files.writeString(f, DemoAppDefinition.json("pipe", SERVICE_PORT, ALT_PORT, version, 1, 0,
        System.getProperty("java.class.path")));
    return f;
  }

  @Test
  @Order(1)
  void everyJsonCommand_printsOnlyJsonObjects_oneALine() throws Exception {
    Run lint = zdd("lint", app("v1").toString(), "--json");
    assertThat(lint.exit()).as(lint.err()).isZero();
    assertThat(lint.json()).hasSize(1);

    Run plan = zdd("deploy", app("v1").toString(), "--dry-run", "--json");
    assertThat(plan.exit()).as(plan.err()).isZero();
    assertThat(plan.json()).hasSize(1);

    // --verbose logs more, on standard error only.
    Run deploy = zdd("--verbose", "deploy", app("v1").toString(), "--json", "--force", "--step-delay", "500ms",
        "--health-timeout", "2m");
    assertThat(deploy.exit()).as(deploy.err()).isZero();
    List<JsonNode> events = deploy.json();
    assertThat(events).isNotEmpty();
    assertThat(events.get(events.size() - 1).get("kind").asText()).isEqualTo("FINISHED");
    firstId = events.get(0).get("deployment").get("id").asText();
    assertThat(deploy.err()).as("INFO logs with --verbose").contains("INFO");

    for (String[] args : List.of(
        new String[] {"status", firstId, "--json"},
        new String[] {"status", firstId, "--watch", "--json"},
        new String[] {"status", firstId, "--wait", "--json"},
        new String[] {"list", "--json"},
        new String[] {"list", "--all", "--json"},
        new String[] {"history", "pipe", "--json"})) {
      Run r = zdd(args);
      assertThat(r.exit()).as("%s: %s", r.args(), r.err()).isZero();
      r.json();
    }
    List<JsonNode> history = zdd("history", "pipe", "--json").json();
    assertThat(history).hasSize(1);
    assertThat(history.get(0).get("outcome").asText()).isEqualTo("SUCCEEDED");
    assertThat(history.get(0).get("duration_ms").asLong()).isPositive();
    Run otherGroup = zdd("history", "nosuch", "--json");
    assertThat(otherGroup.exit()).as(otherGroup.err()).isZero();
    assertThat(otherGroup.json()).as("the coordinator answers only the group asked for").isEmpty();

    Run bad = zdd("lint", work.resolve("missing.json").toString(), "--json");
    assertThat(bad.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(bad.json()).hasSize(1);
    assertThat(bad.err()).startsWith("zdd: ").hasLineCount(1);
  }

  @Test
  @Order(0)
  void binZddHelp_listsTheLaunchersCommands_thenEveryCliCommandAndTheExitCodes() throws Exception {
    Run help = launcher("--help");
    assertThat(help.exit()).as(help.err()).isZero();
    assertThat(help.out()).contains("bin/zdd demo").contains("bin/zdd coordinator").contains("bin/zdd agent")
        .contains("bin/zdd certs").contains("Exit codes:").contains("11 status --wait");
    for (String command : new picocli.CommandLine(new io.zdd.coordinator.cli.ZddCli()).getSubcommands().keySet()) {
      assertThat(help.out()).as("command " + command).containsPattern("(?m)^  " + command + "\\b");
    }
  }

  @Test
  @Order(2)
  void statusWait_exitsWithTheDeploymentsOutcome() throws Exception {
    Run succeeded = zdd("status", firstId, "--wait", "--timeout", "10m");
    assertThat(succeeded.exit()).as(succeeded.err()).isEqualTo(ExitCodes.OK);

    // A canary held at its first step for promote: it has not ended, so --wait times out.
    Run started = zdd("deploy", app("v2").toString(), "--json", "--force", "--detach", "--traffic", "10,100",
        "--step-delay", "500ms", "--health-timeout", "2m");
    assertThat(started.exit()).as(started.err()).isZero();
    String id = started.json().get(0).get("id").asText();
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .until(() -> zdd("status", id, "--json").json().get(0).get("paused").asBoolean());
    Run held = zdd("status", id, "--wait", "--timeout", "3s");
    assertThat(held.exit()).as(held.err()).isEqualTo(ExitCodes.TIMED_OUT);
    assertThat(held.err()).contains("has not ended within 3s");

    Run abort = zdd("abort", id);
    assertThat(abort.exit()).as(abort.err()).isZero();
    Run rolledBack = zdd("status", id, "--wait", "--timeout", "5m", "--json");
    assertThat(rolledBack.exit()).as(rolledBack.err()).isEqualTo(ExitCodes.ROLLED_BACK);
    assertThat(rolledBack.json().get(0).get("outcome").asText()).isEqualTo("ROLLED_BACK");
  }
}
