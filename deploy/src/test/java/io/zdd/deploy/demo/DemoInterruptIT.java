package io.zdd.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.common.testing.Timing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/zdd demo --keep-running} stopped as its banner says (Ctrl-C, an interrupt): the
 * process exits within 10 s and leaves nothing it started running (HAProxy masters and workers,
 * the demo app's processes). A real child JVM, so the JVM's own shutdown is what is tested.
 */
class DemoInterruptIT {
  @TempDir Path work;

  @Test
  void keepRunningDemo_stoppedByAnInterrupt_exitsWithin10s_leavingNoProcess() throws Exception {
    Path log = work.resolve("demo.log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process demo = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        DemoMain.class.getName(), "--lbs", "1", "--coordinators", "1", "--instances", "1", "--rate", "100",
        "--step-pause", "1s", "--keep-running", "--work-dir", work.resolve("demo").toString()))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    List<ProcessHandle> started = List.of();
    try {
      await().atMost(Timing.seconds(240)).pollInterval(Duration.ofMillis(500))
          .until(() -> !demo.isAlive() || Files.readString(log).contains("The cluster keeps running"));
      assertThat(demo.isAlive()).as(Files.readString(log)).isTrue();
      started = demo.descendants().toList();
      assertThat(started).as("HAProxy and the demo app run as children").isNotEmpty();

      // An interrupt, as Ctrl-C sends; where this test itself runs with SIGINT ignored (a
      // background job inherits that, and so does every child) the JVM never sees it, so the
      // same shutdown is asked for with TERM.
      String signal = ignores(demo.pid(), 2) ? "-TERM" : "-INT";
      long t0 = System.nanoTime();
      assertThat(new ProcessBuilder("kill", signal, Long.toString(demo.pid())).start().waitFor()).isZero();
      boolean exited = demo.waitFor(10, TimeUnit.SECONDS);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(exited).as("exited within 10 s of the interrupt; log:%n%s", tail(log)).isTrue();
      System.out.printf("demo stopped %d ms after SIG%s%n", took.toMillis(), signal.substring(1));
      assertThat(started).as("processes the demo started, after it exited")
          .noneMatch(ProcessHandle::isAlive);
    } finally {
      // Also what it left behind: once the demo has exited, those are no longer its descendants.
      started.forEach(ProcessHandle::destroyForcibly);
      demo.descendants().forEach(ProcessHandle::destroyForcibly);
      demo.destroyForcibly();
    }
  }

  /** Whether process {@code pid} ignores signal {@code sig} ({@code SigIgn} in /proc). */
  private static boolean ignores(long pid, int sig) throws Exception {
    String line = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("SigIgn:")).findFirst().orElse("SigIgn: 0");
    long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
    return (mask & (1L << (sig - 1))) != 0;
  }

  private static String tail(Path log) throws Exception {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
