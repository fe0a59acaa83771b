package io.zdd.deploy.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local cluster's ZooKeeper takes as many sessions from one address as a large local cluster opens. */
class EmbeddedZooKeeperTest {
  @TempDir Path dir;

  @Test
  void acceptsMoreThanSixtyConnectionsFromOneAddress() throws Exception {
    List<CuratorFramework> clients = new ArrayList<>();
    try (EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dir)) {
      zk.start();
      for (int i = 0; i < 70; i++) {
        CuratorFramework c = CuratorFrameworkFactory.newClient(zk.connectString(), 10_000, 5_000, new RetryOneTime(100));
        clients.add(c);
        c.start();
      }
      for (CuratorFramework c : clients) {
        assertThat(c.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
        assertThat(c.checkExists().forPath("/")).isNotNull();
      }
    } finally {
      clients.forEach(CuratorFramework::close);
    }
  }
}
