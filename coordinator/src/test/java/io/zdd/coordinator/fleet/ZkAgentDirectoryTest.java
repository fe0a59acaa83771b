package io.zdd.coordinator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.common.model.AgentId;
import io.zdd.common.testing.ZooKeeperExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ZkAgentDirectoryTest {
  @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();

  private static byte[] json(String id, String address) {
    return ("{\"agentId\":\"" + id + "\",\"address\":\"" + address
        + "\",\"haproxyVersion\":\"2.6.12\",\"groups\":[\"web\"],\"capabilities\":[\"port-swap\"]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void ephemeralRegistrations_appearAndVanish_withTheAgentsSession() throws Exception {
    CuratorFramework agentSide = zk.newClient();
    CuratorFramework coordinatorSide = zk.newClient();
    String root = "/zdd-dir-test";
    agentSide.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
        .forPath(root + "/agents/lb-1", json("lb-1", "127.0.0.1:7001"));

    List<Map<AgentId, AgentEndpoint>> seen = new CopyOnWriteArrayList<>();
    try (ZkAgentDirectory dir = new ZkAgentDirectory(coordinatorSide, root)) {
      dir.addListener(seen::add);
      dir.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> dir.agents().containsKey(AgentId.of("lb-1")));
      AgentEndpoint e = dir.agents().get(AgentId.of("lb-1"));
      assertThat(e.address()).isEqualTo("127.0.0.1:7001");
      assertThat(e.groups()).containsExactly("web");

      agentSide.create().withMode(CreateMode.EPHEMERAL)
          .forPath(root + "/agents/bad", "not json".getBytes(StandardCharsets.UTF_8));
      agentSide.create().withMode(CreateMode.EPHEMERAL).forPath(root + "/agents/lb-2", json("lb-2", "127.0.0.1:7002"));
      await().atMost(Duration.ofSeconds(5)).until(() -> dir.agents().size() == 2);

      agentSide.close(); // the agent's session ends: its ephemeral nodes go
      await().atMost(Duration.ofSeconds(10)).until(() -> dir.agents().isEmpty());
      assertThat(seen).isNotEmpty();
    }
  }

  @Test
  void staticDirectory_parsesIdsAndAddresses_andRejectsDuplicates() {
    var d = StaticAgentDirectory.parse("lb-1=127.0.0.1:7001, lb-2=localhost:7002");
    assertThat(d.agents()).containsKeys(AgentId.of("lb-1"), AgentId.of("lb-2"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> StaticAgentDirectory.parse("a=h:1,a=h:2"))
        .hasMessageContaining("listed twice");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> StaticAgentDirectory.parse("a=nope"))
        .hasMessageContaining("host:port");
  }
}
