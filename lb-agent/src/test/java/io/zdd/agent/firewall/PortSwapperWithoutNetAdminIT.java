package io.zdd.agent.firewall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.agent.exec.ProcessCommandRunner;
import io.zdd.common.error.PreconditionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real tools without CAP_NET_ADMIN: {@code setpriv} drops the capability for the iptables
 * processes (inside a test namespace), so iptables itself answers "Permission denied". The agent
 * must turn that into the FAILED_PRECONDITION message and keep running.
 */
class PortSwapperWithoutNetAdminIT {
  private static final List<String> DROP_NET_ADMIN =
      List.of("setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin", "--");
  @TempDir static Path work;
  private static NetnsFixture netns;

  @BeforeAll
  static void createNamespace() throws Exception {
    netns = new NetnsFixture(work);
  }

  @AfterAll
  static void deleteNamespace() throws Exception {
    if (netns != null) {
      netns.close();
    }
  }

  @Test
  void iptablesWithoutTheCapability_isAPreconditionFailure_andTheAgentStarts() throws Exception {
    List<String> prefix = new ArrayList<>(List.of("ip", "netns", "exec", netns.name));
    prefix.addAll(DROP_NET_ADMIN);
    Path dataDir = work.resolve("data");
    Files.createDirectories(dataDir);
    Files.writeString(dataDir.resolve(PortSwapper.STATE_FILE), "8000 9101\n");
    PortSwapper swapper = new PortSwapper(new ProcessCommandRunner(),
        new IptablesCommands(prefix, "iptables-restore", "iptables-save", IptablesCommands.DEFAULT_TIMEOUT),
        dataDir, () -> true); // CapEff of the JVM says yes; the iptables processes have no capability

    swapper.start(); // must not throw: the rest of the agent still has to come up

    assertThat(swapper.available()).isFalse();
    assertThatThrownBy(() -> swapper.swap(8000, 9102))
        .isInstanceOf(PreconditionException.class)
        .hasMessageStartingWith("SwapPort needs CAP_NET_ADMIN: run the agent as root or with --cap-add NET_ADMIN");
    assertThat(netns.exec("iptables-save", "-t", "nat")).doesNotContain("ZDD-");
  }

  @Test
  void capEffOfAProcessWithoutTheCapability_readsAsMissing() throws Exception {
    List<String> cmd = new ArrayList<>(DROP_NET_ADMIN);
    cmd.addAll(List.of("cat", "/proc/self/status"));
    Path status = work.resolve("status-without-net-admin");
    Files.writeString(status, NetnsFixture.run(cmd.toArray(String[]::new)));

    assertThat(new NetAdminCapability(status).getAsBoolean()).isFalse();
    assertThat(NetAdminCapability.ofThisProcess().getAsBoolean()).as("tests run as root").isTrue();
  }
}
