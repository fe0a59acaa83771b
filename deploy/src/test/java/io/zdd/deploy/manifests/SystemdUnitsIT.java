package io.zdd.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd units parse cleanly ({@code systemd-analyze verify}, Debian package systemd; it
 * exits 0 even for unknown values, so any warning naming the unit counts as a failure) and keep
 * the settings the operations guide relies on.
 */
class SystemdUnitsIT {
  private static final Path UNITS = ManifestFiles.manifests().resolve("systemd");

  static String verify(Path unit) throws Exception {
    Process p = new ProcessBuilder("/usr/bin/systemd-analyze", "verify", "--man=no", unit.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("systemd-analyze finished").isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void unitsVerifyWithoutWarnings(@TempDir Path dir) throws Exception {
    for (String name : List.of("zdd-agent.service", "zdd-coordinator.service")) {
      // verify resolves the unit by its file name; a copy keeps the source tree out of its way.
      Path unit = Files.copy(UNITS.resolve(name), dir.resolve(name));
      assertThat(verify(unit)).as("warnings for %s", name).doesNotContain(name);
    }
  }

  @Test
  void theCheckSeesABadSetting(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("zdd-bad.service");
    Files.writeString(bad, Files.readString(UNITS.resolve("zdd-agent.service")).replace("Restart=on-failure", "Restart=sometimes"));
    assertThat(verify(bad)).contains("zdd-bad.service").contains("sometimes");
  }

  @Test
  void unitsKeepWhatTheGuideDescribes() throws Exception {
    String agent = Files.readString(UNITS.resolve("zdd-agent.service"));
    String coordinator = Files.readString(UNITS.resolve("zdd-coordinator.service"));
    assertThat(agent).contains("Restart=on-failure").contains("EnvironmentFile=/etc/zdd/agent.env")
        .containsPattern("(?m)^AmbientCapabilities=.*CAP_NET_ADMIN").contains("io.zdd.agent.AgentMain");
    assertThat(coordinator).contains("Restart=on-failure").contains("EnvironmentFile=/etc/zdd/coordinator.env")
        .contains("io.zdd.coordinator.CoordinatorMain");
  }
}
