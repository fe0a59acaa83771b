package io.zdd.coordinator.engine.hook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.common.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

  private ProcessPreKillHook hooks(Duration timeout, Path... exes) {
    List<String> decl = Arrays.stream(exes).map(p -> p.getFileName() + "=" + p).toList();
    return new ProcessPreKillHook(ProcessPreKillHook.parse(decl), timeout);
  }

  @Test
  void hookGetsItsInputOnStdin_noArguments_andAScrubbedEnvironment() throws Exception {
    Path out = dir.resolve("out");
    Path hook = script("hook", "{ echo \"args=$#\"; env | sort; echo '--'; cat; } > '" + out + "'; exit 0");
    String oldApp = "{\"id\":\"/web-blue\",\"x\":\"$(touch /tmp/pwned) ; `id`\"}";
    int code = hooks(Duration.ofSeconds(10), hook).run("hook", oldApp, "[\"t1\",\"t2\"]", "{\"id\":\"/web-green\"}");

    assertThat(code).isZero();
    String[] parts = Files.readString(out).split("--\n", 2);
    List<String> head = List.of(parts[0].split("\n"));
    assertThat(head.get(0)).isEqualTo("args=0");
    assertThat(head.subList(1, head.size())).as("the hook's whole environment")
        .allMatch(l -> l.startsWith("PATH=") || l.startsWith("ZDD_HOOK=") || l.startsWith("PWD=") || l.startsWith("SHLVL=")
            || l.startsWith("_="))
        .contains("ZDD_HOOK=hook", "PATH=" + ProcessPreKillHook.PATH);
    JsonNode in = new ObjectMapper().readTree(parts[1]);
    assertThat(in.get("oldApp").get("x").asText()).isEqualTo("$(touch /tmp/pwned) ; `id`");
    assertThat(in.get("taskIds")).hasSize(2);
    assertThat(in.get("newApp").get("id").asText()).isEqualTo("/web-green");
    assertThat(Path.of("/tmp/pwned")).doesNotExist();
    try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertThat(left.filter(p -> p.getFileName().toString().startsWith("zdd-hook"))).as("input file removed").isEmpty();
    }
  }

  @Test
  void nonZeroExit_isReturned_andAnUndeclaredNameFails() throws Exception {
    ProcessPreKillHook h = hooks(Duration.ofSeconds(10), script("fail", "exit 7"));
    assertThat(h.run("fail", "{}", "[]", "{}")).isEqualTo(7);
    assertThat(h.run("other", "{}", "[]", "{}")).isEqualTo(-1);
    assertThat(h.names()).containsExactly("fail");
  }

  @Test
  void hookRunningPastTheTimeout_isKilledAndFails() throws Exception {
    Path pidFile = dir.resolve("pid");
    Path hook = script("slow", "echo $$ > '" + pidFile + "'; sleep 30");
    int code = hooks(Duration.ofMillis(500), hook).run("slow", "{}", "[]", "{}");
    assertThat(code).isEqualTo(-1);
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void declarations_areRefusedUnlessANameMapsToAnAbsoluteExecutableOnlyItsOwnerMayWrite() throws Exception {
    Path ok = script("ok", "exit 0");
    assertThat(ProcessPreKillHook.parse(List.of("notify=" + ok))).isEqualTo(Map.of("notify", ok));
    Path plain = dir.resolve("plain");
    Files.writeString(plain, "exit 0");
    Path shared = script("shared", "exit 0");
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    for (String bad : List.of("notify", "=" + ok, "no tify=" + ok, "../x=" + ok, "notify=relative/path",
        "notify=" + dir.resolve("missing"), "notify=" + plain, "notify=" + shared)) {
      assertThatThrownBy(() -> ProcessPreKillHook.parse(List.of(bad))).as(bad)
          .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("--hook:");
    }
    assertThatThrownBy(() -> ProcessPreKillHook.parse(List.of("a=" + ok, "a=" + ok)))
        .hasMessageContaining("declared twice");
  }
}
