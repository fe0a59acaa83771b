package io.zdd.agent.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.agent.exec.ProcessCommandRunner;
import io.zdd.common.model.PortRedirect;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real iptables (nf_tables) inside a network namespace this test creates. Two
 * identity servers stand in for the blue and green frontends; a client in the namespace holds a
 * connection through the service port across the swap.
 */
class PortSwapperNetnsIT {
  private static final int SERVICE = 8000;
  private static final int BLUE = 9101;
  private static final int GREEN = 9102;

  @TempDir static Path work;
  private static NetnsFixture netns;
  private static String hostZddRulesBefore;

  @BeforeAll
  static void createNamespace() throws Exception {
    hostZddRulesBefore = hostZddRules();
    netns = new NetnsFixture(work);
    netns.server(BLUE, "blue");
    netns.server(GREEN, "green");
  }

  @AfterAll
  static void deleteNamespace() throws Exception {
    if (netns != null) {
      netns.close();
      assertThat(NetnsFixture.run("ip", "netns", "list")).doesNotContain(netns.name);
    }
    assertThat(hostZddRules()).isEqualTo(hostZddRulesBefore);
  }

  /** Each test starts from an empty nat table (the namespace is ours alone). */
  @BeforeEach
  void emptyNatTable() throws Exception {
    netns.exec("iptables", "-t", "nat", "-F");
    netns.exec("iptables", "-t", "nat", "-X");
  }

  private static PortSwapper newAgentSwapper(Path dataDir) {
    PortSwapper s = new PortSwapper(new ProcessCommandRunner(), IptablesCommands.defaults(Optional.of(netns.name)),
        dataDir, NetAdminCapability.ofThisProcess());
    s.start();
    return s;
  }

  @Test
  void swap_movesNewConnectionsOnly_isIdempotent_andSurvivesAnAgentRestart() throws Exception {
    Path dataDir = work.resolve("agent-data");
    PortSwapper swapper = newAgentSwapper(dataDir);
    NetnsFixture.Probe client = netns.client();

    SwapResult toBlue = swapper.swap(SERVICE, BLUE);
    assertThat(toBlue.changed()).isTrue();
    assertThat(toBlue.redirects()).containsExactlyInAnyOrder(
        new PortRedirect(SERVICE, BLUE, "ZDD-PREROUTING"), new PortRedirect(SERVICE, BLUE, "ZDD-OUTPUT"));
    assertThat(client.say("open held " + SERVICE)).isEqualTo("opened held");
    assertThat(client.say("ask held")).isEqualTo("blue");
    assertThat(client.say("once " + SERVICE)).isEqualTo("blue");

    SwapResult toGreen = swapper.swap(SERVICE, GREEN);

    assertThat(toGreen.changed()).isTrue();
    assertThat(client.say("once " + SERVICE)).as("a new connection goes to green").isEqualTo("green");
    assertThat(client.say("ask held")).as("the established connection stays on blue").isEqualTo("blue");

    String rulesBefore = netns.exec("iptables-save", "-t", "nat").replaceAll("(?m)^#.*\n", "");
    SwapResult again = swapper.swap(SERVICE, GREEN);
    assertThat(again.changed()).isFalse();
    assertThat(again.redirects()).containsExactlyInAnyOrderElementsOf(toGreen.redirects());
    assertThat(netns.exec("iptables-save", "-t", "nat").replaceAll("(?m)^#.*\n", ""))
        .as("repeating the swap changes nothing in the kernel").isEqualTo(rulesBefore);
    assertThat(rulesBefore).containsOnlyOnce("-j ZDD-PREROUTING").containsOnlyOnce("-j ZDD-OUTPUT");

    // Agent restart: a new instance on the same data dir reads the same rules back.
    List<PortRedirect> afterRestart = newAgentSwapper(dataDir).redirects();
    assertThat(afterRestart).containsExactlyInAnyOrderElementsOf(toGreen.redirects());

    // Host reboot: the kernel lost the rules; the agent re-applies them from its data dir.
    netns.exec("iptables", "-t", "nat", "-F", "ZDD-OUTPUT");
    netns.exec("iptables", "-t", "nat", "-F", "ZDD-PREROUTING");
    assertThat(client.say("once " + SERVICE)).startsWith("error"); // nothing listens on 8000 itself
    PortSwapper restarted = newAgentSwapper(dataDir);
    assertThat(restarted.redirects()).containsExactlyInAnyOrderElementsOf(toGreen.redirects());
    assertThat(client.say("once " + SERVICE)).isEqualTo("green");

    assertThat(client.say("ask held")).isEqualTo("blue");
    assertThat(client.say("close held")).isEqualTo("closed held");
  }

  @Test
  void aSecondServicePort_isAddedWithoutDisturbingTheFirst() throws Exception {
    PortSwapper swapper = newAgentSwapper(work.resolve("agent-data-2"));
    NetnsFixture.Probe client = netns.client();
    swapper.swap(SERVICE, GREEN);

    swapper.swap(8001, BLUE);

    assertThat(client.say("once " + SERVICE)).isEqualTo("green");
    assertThat(client.say("once 8001")).isEqualTo("blue");
    assertThat(swapper.redirects()).hasSize(4);
  }

  private static String hostZddRules() throws Exception {
    return NetnsFixture.run("iptables-save", "-t", "nat").lines()
        .filter(l -> l.contains("ZDD-")).reduce("", (a, b) -> a + b + "\n");
  }
}
