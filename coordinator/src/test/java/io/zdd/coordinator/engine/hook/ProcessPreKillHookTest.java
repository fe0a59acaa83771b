package io.zdd.coordinator.engine.hook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs real executables written to a temp directory. */
class ProcessPreKillHookTest {
  @TempDir
  Path dir;

  private Path script(String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }

  @Test
  void hookGetsThreeArgumentsVerbatimAndItsExitCodeIsReturned() throws Exception {
    Path out = dir.resolve("args");
    Path hook = script("hook", "for a in \"$@\"; do printf '%s\\n' \"$a\" >> '" + out + "'; done; exit 0");
    String oldApp = "{\"id\":\"/web-blue\",\"x\":\"$(touch /tmp/pwned) ; `id`\"}";
    int code = new ProcessPreKillHook(Duration.ofSeconds(10)).run(hook.toString(), oldApp, "[\"t1\",\"t2\"]", "{\"id\":\"/web-green\"}");
    assertThat(code).isZero();
    assertThat(Files.readAllLines(out)).containsExactly(oldApp, "[\"t1\",\"t2\"]", "{\"id\":\"/web-green\"}");
    assertThat(Path.of("/tmp/pwned")).doesNotExist();
  }

  @Test
  void nonZeroExit_isReturned() throws Exception {
    Path hook = script("fail", "exit 7");
    assertThat(new ProcessPreKillHook(Duration.ofSeconds(10)).run(hook.toString(), "{}", "[]", "{}")).isEqualTo(7);
  }

  @Test
  void hookRunningPastTheTimeout_isKilledAndFails() throws Exception {
    Path pidFile = dir.resolve("pid");
    Path hook = script("slow", "echo $$ > '" + pidFile + "'; sleep 30");
    long t0 = System.nanoTime();
    int code = new ProcessPreKillHook(Duration.ofMillis(500)).run(hook.toString(), "{}", "[]", "{}");
    assertThat(code).isEqualTo(-1);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void missingOrNonExecutableHook_fails() throws Exception {
    assertThat(new ProcessPreKillHook(Duration.ofSeconds(1)).run(dir.resolve("nope").toString(), "{}", "[]", "{}"))
        .isEqualTo(-1);
    Path plain = dir.resolve("plain");
    Files.writeString(plain, "exit 0");
    assertThat(new ProcessPreKillHook(Duration.ofSeconds(1)).run(plain.toString(), "{}", "[]", "{}")).isEqualTo(-1);
  }
}
