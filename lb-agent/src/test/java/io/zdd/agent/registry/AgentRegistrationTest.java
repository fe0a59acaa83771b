package io.zdd.agent.registry;

import io.zdd.common.model.RegisteredAgent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.common.testing.ZooKeeperExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Registration against a real ZooKeeper (Curator TestingServer). */
class AgentRegistrationTest {
  @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();

  private static final RegisteredAgent INFO = new RegisteredAgent("lb-1", "10.1.2.3:7100", "2.6.12-1+deb12u4",
      List.of("external"), List.of("web"));

  private static Stat stat(CuratorFramework c, String path) throws Exception {
    return c.checkExists().forPath(path);
  }

  @Test
  void nodeIsEphemeralJson_reappearsAfterSessionLoss_andGoesOnClose() throws Exception {
    CuratorFramework agentClient = zk.newClient();
    CuratorFramework observer = zk.newClient();
    AgentRegistration reg = new AgentRegistration(agentClient, "/zdd", INFO, Duration.ofSeconds(5), false);
    reg.start();

    assertThat(reg.path()).isEqualTo("/zdd/agents/lb-1");
    Stat first = stat(observer, reg.path());
    assertThat(first).isNotNull();
    assertThat(first.getEphemeralOwner()).isEqualTo(agentClient.getZookeeperClient().getZooKeeper().getSessionId());
    JsonNode json = new ObjectMapper().readTree(observer.getData().forPath(reg.path()));
    assertThat(json.get("agentId").asText()).isEqualTo("lb-1");
    assertThat(json.get("address").asText()).isEqualTo("10.1.2.3:7100");
    assertThat(json.get("haproxyVersion").asText()).isEqualTo("2.6.12-1+deb12u4");
    assertThat(json.get("groups").toString()).isEqualTo("[\"web\"]");
    assertThat(json.get("lbGroups").toString()).isEqualTo("[\"external\"]");
    assertThat(RegisteredAgent.fromJson(observer.getData().forPath(reg.path()))).as("the coordinators' reading")
        .isEqualTo(INFO);

    KillSession.kill(agentClient.getZookeeperClient().getZooKeeper());

    await().atMost(Duration.ofSeconds(20)).until(() -> {
      Stat s = stat(observer, reg.path());
      return s != null && s.getEphemeralOwner() != first.getEphemeralOwner();
    });
    assertThat(AgentRegistration.decode(observer.getData().forPath(reg.path()))).isEqualTo(INFO);

    reg.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> stat(observer, reg.path()) == null);
  }

  @Test
  void reappearsAfterAServerRestart() throws Exception {
    CuratorFramework agentClient = zk.newClient();
    CuratorFramework observer = zk.newClient();
    try (AgentRegistration reg = new AgentRegistration(agentClient, "/custom-root", INFO, Duration.ofSeconds(5), false)) {
      reg.start();
      assertThat(stat(observer, "/custom-root/agents/lb-1")).isNotNull();

      zk.server().restart(); // same data dir: the session may survive or expire; either way the node is back

      await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> stat(observer, "/custom-root/agents/lb-1") != null);
    }
  }

  @Test
  void update_rewritesTheNode_onlyWhenSomethingChanged() throws Exception {
    CuratorFramework agentClient = zk.newClient();
    try (AgentRegistration reg = new AgentRegistration(agentClient, "/zdd", INFO.withGroups(List.of()),
        Duration.ofSeconds(5), false)) {
      reg.start();
      int v0 = stat(agentClient, reg.path()).getVersion();

      reg.update(INFO.withGroups(List.of("web", "api")));
      reg.update(INFO.withGroups(List.of("api", "web"))); // same set, different order

      await().atMost(Duration.ofSeconds(5)).until(() -> stat(agentClient, reg.path()).getVersion() == v0 + 1);
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
          .until(() -> stat(agentClient, reg.path()).getVersion() == v0 + 1);
      assertThat(new String(agentClient.getData().forPath(reg.path()), StandardCharsets.UTF_8))
          .contains("\"groups\":[\"api\",\"web\"]");
    }
  }
}
