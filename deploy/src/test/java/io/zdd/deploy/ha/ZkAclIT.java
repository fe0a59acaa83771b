package io.zdd.deploy.ha;

import io.zdd.common.testing.TestPki;
import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.security.OperatorRoles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.zdd.agent.AgentConfig;
import io.zdd.agent.AgentMain;
import io.zdd.common.testing.ZooKeeperExtension;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.cli.ZddCli;
import io.zdd.coordinator.marathon.MarathonAuth;
import io.zdd.deploy.cluster.FreePorts;
import io.zdd.deploy.marathon.LocalMarathon;
import io.zdd.deploy.marathon.LocalMarathonConfig;
import io.zdd.deploy.marathon.MarathonHttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 6, item 5: with ZooKeeper credentials configured, a coordinator and an lb-agent sharing the
 * digest identity work together (the agent registers, the coordinator leads and sees it), every
 * znode they create is creator-only, and a client without the credentials can read nothing.
 */
class ZkAclIT {
  @RegisterExtension static final ZooKeeperExtension ZK = new ZooKeeperExtension();
  @TempDir Path dir;

  @Test
  void withDigestCredentials_zddWorks_andOthersCannotRead() throws Exception {
    TestPki pki = TestPki.in(dir.resolve("pki"));
    Path digest = dir.resolve("zk-digest");
    Files.writeString(digest, "zdd:s3cret\n");
    String root = "/zdd-acl";

    LocalMarathon marathon = new LocalMarathon(LocalMarathonConfig.defaults().withSandboxRoot(dir.resolve("tasks")));
    marathon.start();
    int grpc = FreePorts.next();
    int agentGrpc = FreePorts.next();
    try (MarathonHttpServer http = MarathonHttpServer.start(marathon, "127.0.0.1", 0)) {
      Coordinator coordinator = new Coordinator(new Coordinator.Config("127.0.0.1:" + grpc,
          new InetSocketAddress("127.0.0.1", grpc), Optional.empty(), ZK.connectString(), root, Duration.ofSeconds(6),
          Optional.of("zdd:s3cret"), URI.create(http.url()), MarathonAuth.NONE, Optional.empty(), Duration.ofSeconds(5),
          Duration.ofMillis(250), Duration.ofSeconds(60), 10, reason -> { },
          Optional.of(pki.issue(SpiffeId.Role.COORDINATOR, "c1")), OperatorRoles.everyOperatorIsAdmin(), Map.of()));
      AgentConfig ac = new AgentConfig();
      List<String> args = new ArrayList<>(TestPki.flags(pki.issue(SpiffeId.Role.AGENT, "lb-acl")));
      args.addAll(List.of("--agent-id", "lb-acl", "--grpc-listen", "127.0.0.1:" + agentGrpc,
          "--advertise-address", "127.0.0.1:" + agentGrpc, "--metrics-listen", "127.0.0.1:0",
          "--data-dir", dir.resolve("agent-data").toString(), "--haproxy-run-dir", dir.resolve("haproxy").toString(),
          "--frontend-bind-address", "127.0.0.1", "--zk-connect", ZK.connectString(), "--zk-root", root,
          "--zk-digest-file", digest.toString(), "--zk-session-timeout-ms", "6000"));
      new CommandLine(ac).parseArgs(args.toArray(String[]::new));
      coordinator.start();
      try (AgentMain.Running agent = AgentMain.Running.start(ac)) {
        await().atMost(Duration.ofSeconds(30)).until(coordinator::isLeader);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          StringWriter out = new StringWriter();
          List<String> cli = new ArrayList<>(TestPki.flags(pki.issue(SpiffeId.Role.OPERATOR, "op")));
          cli.addAll(List.of("--coordinator", "127.0.0.1:" + grpc, "agents"));
          ZddCli.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), cli.toArray(String[]::new));
          return out.toString().contains("lb-acl") && out.toString().contains(" connected ");
        });

        CuratorFramework zdd = org.apache.curator.framework.CuratorFrameworkFactory.builder()
            .connectString(ZK.connectString()).authorization("digest", "zdd:s3cret".getBytes())
            .retryPolicy(new org.apache.curator.retry.RetryOneTime(100)).build();
        zdd.start();
        try {
          for (String path : new String[] {root + "/epoch", root + "/agents", root + "/agents/lb-acl", root + "/leader"}) {
            assertThat(zdd.getACL().forPath(path)).as(path).allSatisfy(acl -> {
              assertThat(acl.getId().getScheme()).isEqualTo("digest");
              assertThat(acl.getPerms()).isEqualTo(ZooDefs.Perms.ALL);
            });
          }
        } finally {
          zdd.close();
        }
        CuratorFramework stranger = ZK.newClient();
        assertThatThrownBy(() -> stranger.getData().forPath(root + "/epoch"))
            .isInstanceOf(KeeperException.NoAuthException.class);
        assertThatThrownBy(() -> stranger.getChildren().forPath(root + "/agents"))
            .isInstanceOf(KeeperException.NoAuthException.class);
        assertThatThrownBy(() -> stranger.setData().forPath(root + "/epoch", "999".getBytes()))
            .isInstanceOf(KeeperException.NoAuthException.class);
      } finally {
        coordinator.close();
      }
    } finally {
      marathon.close();
    }
  }
}
