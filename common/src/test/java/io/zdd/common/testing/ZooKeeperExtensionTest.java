package io.zdd.common.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ZooKeeperExtensionTest {
  @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();

  @Test
  void client_writesAndReadsThroughARealServer() throws Exception {
    CuratorFramework c = zk.newClient();
    c.create().creatingParentsIfNeeded().forPath("/zdd/test", "hello".getBytes(StandardCharsets.UTF_8));
    CuratorFramework other = zk.newClient();
    assertThat(new String(other.getData().forPath("/zdd/test"), StandardCharsets.UTF_8)).isEqualTo("hello");
  }

  @Test
  void serverRestart_isSeenAsLostThenReconnected() throws Exception {
    CuratorFramework c = zk.newClient();
    c.blockUntilConnected();
    var states = new CopyOnWriteArrayList<ConnectionState>();
    c.getConnectionStateListenable().addListener((client, s) -> states.add(s));
    zk.server().stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(ConnectionState.SUSPENDED));
    zk.server().restart();
    await().atMost(Duration.ofSeconds(15)).until(() -> states.contains(ConnectionState.RECONNECTED));
  }

  @Test
  void clientsOfPreviousTest_wereClosed() {
    // afterEach closes every client; a fresh one still connects (the server is per class).
    CuratorFramework c = zk.newClient();
    assertThat(c.getZookeeperClient().isConnected() || awaitConnected(c)).isTrue();
  }

  private static boolean awaitConnected(CuratorFramework c) {
    try {
      return c.blockUntilConnected(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
