package io.zdd.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the agent's children get: a fixed environment, and no ambient capabilities. */
class ChildEnvironmentTest {
  private static final String WITH_AMBIENT = "Name:\tjava\nCapInh:\t0000000000001000\nCapAmb:\t0000000000001000\n";
  private static final String WITHOUT = "Name:\tjava\nCapAmb:\t0000000000000000\n";

  @Test
  void aChildSeesOnlyTheFixedEnvironment_notTheAgentsSecrets() {
    var r = new ProcessCommandRunner().run(List.of("/usr/bin/env"), new byte[0], Duration.ofSeconds(10));
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout().lines().sorted().toList()).containsExactly("LANG=C", "PATH=" + ChildEnvironment.PATH);
    assertThat(System.getenv()).as("the JVM itself has an environment to leak").isNotEmpty();
  }

  @Test
  void withAmbientCapabilities_theChildIsStartedWithoutThem() {
    assertThat(ChildEnvironment.withoutAmbientCapabilities(List.of("/usr/sbin/haproxy", "-W"), WITH_AMBIENT, true))
        .containsExactly("/usr/bin/setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--", "/usr/sbin/haproxy", "-W");
    assertThat(ChildEnvironment.withoutAmbientCapabilities(List.of("/usr/sbin/haproxy"), WITHOUT, true))
        .containsExactly("/usr/sbin/haproxy");
    assertThatThrownBy(() -> ChildEnvironment.withoutAmbientCapabilities(List.of("/usr/sbin/haproxy"), WITH_AMBIENT,
        false)).hasMessageContaining("setpriv");
  }

  @Test
  void setprivReallyDropsAmbientCapabilities() throws Exception {
    // Give a child ambient CAP_NET_ADMIN the way systemd's AmbientCapabilities would, then start a
    // grandchild through the same prefix: the grandchild has none.
    Process p = new ProcessBuilder("/usr/bin/setpriv", "--inh-caps=+net_admin", "--ambient-caps=+net_admin", "--",
        "/usr/bin/setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--", "/bin/grep", "^CapAmb", "/proc/self/status")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out.trim()).isEqualTo("CapAmb:\t0000000000000000");
  }
}
