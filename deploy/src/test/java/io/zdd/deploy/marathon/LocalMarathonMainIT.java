package io.zdd.deploy.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The standalone scheduler, started as a real child process, prints the URL it
 * serves once ready and, on SIGTERM, stops every task it started.
 */
class LocalMarathonMainIT {
  private static final Pattern READY = Pattern.compile("^Marathon API listening on (http://127\\.0\\.0\\.1:(\\d+))$");

  private static Process start(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(LocalMarathonFixture.javaBinary().toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), LocalMarathonMain.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static BlockingQueue<String> lines(Process process) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        in.lines().forEach(lines::add);
      } catch (IOException e) {
        // process gone
      }
    }, "main-it-stdout");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  /**
   * The URL line. Other lines may come first: logback prints its own status (e.g. "logback.xml
   * occurs multiple times on the classpath") to stdout.
   */
  private static Matcher awaitReadyLine(BlockingQueue<String> lines, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        break;
      }
      Matcher m = READY.matcher(line);
      if (m.matches()) {
        return m;
      }
      seen.add(line);
    }
    throw new AssertionError("no 'Marathon API listening on' line within " + timeout + "; stdout was " + seen);
  }

  @Test
  void printsUrlWhenReadyAndStopsEveryTaskOnSigterm() throws Exception {
    String marker = UUID.randomUUID().toString();
    Process process = start("--port", "0", "--task-port-range", "33000-33100", "--service-port-range", "12000-12100");
    try {
      Matcher ready = awaitReadyLine(lines(process), Duration.ofSeconds(30));
      MarathonClient client = new MarathonClient(ready.group(1));
      assertThat(client.get("/ping").status()).isEqualTo(200); // ready means serving, no retry needed

      MarathonClient.Reply created = client.post("/v2/apps", Map.of("id", "/main-it", "instances", 2,
          "cmd", LocalMarathonFixture.pythonServer(), "env", Map.of("MAIN_IT", marker)));
      assertThat(created.status()).isEqualTo(201);
      assertThat(created.json().get("ports").get(0).asInt()).isBetween(12000, 12100);
      await().atMost(Duration.ofSeconds(30)).until(() -> OsProcesses.withEnv("MAIN_IT", marker).size() == 2);
      assertThat(client.app("/main-it").get("tasks").get(0).get("ports").get(0).asInt()).isBetween(33000, 33100);

      process.destroy(); // SIGTERM

      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      assertThat(OsProcesses.withEnv("MAIN_IT", marker)).as("task processes left behind").isEmpty();
    } finally {
      process.destroyForcibly();
      OsProcesses.withEnv("MAIN_IT", marker).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  @Test
  void helpAndBadOptions() throws Exception {
    Process help = start("--help");
    String usage = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(help.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).isZero();
    assertThat(usage).contains("--port", "--host", "--task-port-range", "--service-port-range");

    Process bad = new ProcessBuilder(LocalMarathonFixture.javaBinary().toString(), "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), LocalMarathonMain.class.getName(), "--task-port-range", "9-3")
        .redirectErrorStream(true).start();
    String error = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bad.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.exitValue()).isNotZero();
    assertThat(error).contains("--task-port-range");
  }
}
