package io.zdd.deploy.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.zdd.agent.AgentConfig;
import io.zdd.agent.AgentMain;
import io.zdd.common.testing.TestPki;
import io.zdd.common.testing.ZooKeeperExtension;
import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.cli.ZddCli;
import io.zdd.coordinator.marathon.MarathonAuth;
import io.zdd.coordinator.security.OperatorRoles;
import io.zdd.deploy.cluster.FreePorts;
import io.zdd.deploy.marathon.LocalMarathon;
import io.zdd.deploy.marathon.LocalMarathonConfig;
import io.zdd.deploy.marathon.MarathonHttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * ZooKeeper ACLs with separate identities: coordinators own zdd's znodes, agents may only read the
 * leader epoch and create their own registration, which no other agent can change or delete; a
 * client without credentials reads nothing; a registration that names another agent is ignored
 * and one pointing at another agent's address fails its TLS identity check.
 */
class ZkAclIT {
  @RegisterExtension static final ZooKeeperExtension ZK = new ZooKeeperExtension();
  @TempDir Path dir;

  @Test
  void separateIdentities_agentsCannotWriteEachOthersNodes_andStrangersReadNothing() throws Exception {
    TestPki pki = TestPki.in(dir.resolve("pki"));
    Path digest = dir.resolve("zk-digest");
    Files.writeString(digest, "zdd-agent:a-s3cret\n");
    String root = "/zdd-acl";

    LocalMarathon marathon = new LocalMarathon(LocalMarathonConfig.defaults().withSandboxRoot(dir.resolve("tasks")));
    marathon.start();
    int grpc = FreePorts.next();
    int agentGrpc = FreePorts.next();
    try (MarathonHttpServer http = MarathonHttpServer.start(marathon, "127.0.0.1", 0)) {
      Coordinator coordinator = new Coordinator(new Coordinator.Config("127.0.0.1:" + grpc,
          new InetSocketAddress("127.0.0.1", grpc), Optional.empty(), ZK.connectString(), root, Duration.ofSeconds(6),
          Optional.of(new Coordinator.ZkCredentials("zdd-coordinator:c-s3cret", "zdd-agent:a-s3cret")), URI.create(http.url()),
          MarathonAuth.NONE, Optional.empty(), Duration.ofSeconds(5),
          Duration.ofMillis(250), Duration.ofSeconds(60), 10, reason -> { },
          Optional.of(pki.issue(SpiffeId.Role.COORDINATOR, "c1")), OperatorRoles.everyOperatorIsAdmin(), Map.of(), Map.of(),
          Coordinator.Limits.DEFAULTS));
      AgentConfig ac = new AgentConfig();
      List<String> args = new ArrayList<>(io.zdd.common.tls.TlsOptions.flags(pki.issue(SpiffeId.Role.AGENT, "lb-acl")));
      args.addAll(List.of("--agent-id", "lb-acl", "--grpc-listen", "127.0.0.1:" + agentGrpc,
          "--advertise-address", "127.0.0.1:" + agentGrpc, "--metrics-listen", "127.0.0.1:0",
          "--data-dir", dir.resolve("agent-data").toString(), "--haproxy-run-dir", dir.resolve("haproxy").toString(),
          "--frontend-bind-address", "127.0.0.1", "--zk-connect", ZK.connectString(), "--zk-root", root,
          "--zk-digest-file", digest.toString(), "--zk-session-timeout", "6000ms"));
      new CommandLine(ac).parseArgs(args.toArray(String[]::new));
      coordinator.start();
      try (AgentMain.Running agent = AgentMain.Running.start(ac)) {
        await().atMost(Duration.ofSeconds(30)).until(coordinator::isLeader);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          StringWriter out = new StringWriter();
          List<String> cli = new ArrayList<>(io.zdd.common.tls.TlsOptions.flags(pki.issue(SpiffeId.Role.OPERATOR, "op")));
          cli.addAll(List.of("--coordinator", "127.0.0.1:" + grpc, "agents"));
          ZddCli.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), cli.toArray(String[]::new));
          return out.toString().contains("lb-acl") && out.toString().contains(" connected ");
        });

        CuratorFramework coordinators = org.apache.curator.framework.CuratorFrameworkFactory.builder()
            .connectString(ZK.connectString()).authorization("digest", "zdd-coordinator:c-s3cret".getBytes(StandardCharsets.UTF_8))
            .retryPolicy(new org.apache.curator.retry.RetryOneTime(100)).build();
        coordinators.start();
        try {
          for (String path : new String[] {root + "/leader", root + "/deployments"}) {
            if (coordinators.checkExists().forPath(path) != null) {
              assertThat(coordinators.getACL().forPath(path)).as(path).singleElement()
                  .satisfies(acl -> assertThat(acl.getId().getId()).startsWith("zdd-coordinator:"));
            }
          }
          assertThat(coordinators.getACL().forPath(root + "/epoch")).extracting(acl -> acl.getId().getId() + " " + acl.getPerms())
              .anyMatch(a -> a.startsWith("zdd-agent:") && a.endsWith(" " + ZooDefs.Perms.READ));
          assertThat(coordinators.getACL().forPath(root + "/agents/lb-acl")).extracting(acl -> acl.getId().getId())
              .anyMatch(id -> id.startsWith("agent-lb-acl:")).noneMatch(id -> id.startsWith("zdd-agent:"));
        } finally {
          coordinators.close();
        }

        // Anyone else: nothing.
        CuratorFramework stranger = ZK.newClient();
        assertThatThrownBy(() -> stranger.getData().forPath(root + "/epoch"))
            .isInstanceOf(KeeperException.NoAuthException.class);
        assertThatThrownBy(() -> stranger.getChildren().forPath(root + "/agents"))
            .isInstanceOf(KeeperException.NoAuthException.class);
        assertThatThrownBy(() -> stranger.setData().forPath(root + "/epoch", "999".getBytes(StandardCharsets.UTF_8)))
            .isInstanceOf(KeeperException.NoAuthException.class);

        // Another agent (the shared agents' identity plus its own): reads the epoch, cannot touch
        // lb-acl's node or any deployment record, and a node it makes up cannot pass for lb-acl.
        CuratorFramework otherAgent = org.apache.curator.framework.CuratorFrameworkFactory.builder()
            .connectString(ZK.connectString())
            .authorization(List.of(
                new org.apache.curator.framework.AuthInfo("digest", "zdd-agent:a-s3cret".getBytes(StandardCharsets.UTF_8)),
                new org.apache.curator.framework.AuthInfo("digest", "agent-lb-evil:x".getBytes(StandardCharsets.UTF_8))))
            .retryPolicy(new org.apache.curator.retry.RetryOneTime(100)).build();
        otherAgent.start();
        try {
          assertThat(new String(otherAgent.getData().forPath(root + "/epoch"), StandardCharsets.UTF_8)).isNotBlank();
          byte[] real = otherAgent.getData().forPath(root + "/agents/lb-acl");
          assertThatThrownBy(() -> otherAgent.setData().forPath(root + "/agents/lb-acl", "{}".getBytes(StandardCharsets.UTF_8)))
              .isInstanceOf(KeeperException.NoAuthException.class);
          assertThatThrownBy(() -> otherAgent.delete().forPath(root + "/agents/lb-acl"))
              .isInstanceOf(KeeperException.NoAuthException.class);
          assertThatThrownBy(() -> otherAgent.setData().forPath(root + "/epoch", "999".getBytes(StandardCharsets.UTF_8)))
              .isInstanceOf(KeeperException.NoAuthException.class);
          assertThatThrownBy(() -> otherAgent.getChildren().forPath(root + "/agents"))
              .isInstanceOf(KeeperException.NoAuthException.class);
          assertThat(otherAgent.getData().forPath(root + "/agents/lb-acl")).isEqualTo(real);
          // A made-up registration: its own name, the real agent's address. TLS refuses it (the
          // certificate there is lb-acl's), and a node naming another agent is ignored.
          otherAgent.create().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(root + "/agents/lb-evil",
              new String(real, StandardCharsets.UTF_8).replace("\"lb-acl\"", "\"lb-evil\"").getBytes(StandardCharsets.UTF_8));
          otherAgent.create().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(root + "/agents/lb-twin", real);
          await().atMost(Duration.ofSeconds(20)).until(() -> agentsOutput(pki, grpc).contains("lb-evil"));
          await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> {
            String out = agentsOutput(pki, grpc);
            return out.lines().filter(l -> l.contains("lb-evil")).allMatch(l -> l.contains("DISCONNECTED"))
                && !out.contains("lb-twin");
          });
        } finally {
          otherAgent.close();
        }
      } finally {
        coordinator.close();
      }
    } finally {
      marathon.close();
    }
  }

  private static String agentsOutput(TestPki pki, int grpc) {
    StringWriter out = new StringWriter();
    List<String> cli = new ArrayList<>(io.zdd.common.tls.TlsOptions.flags(pki.issue(SpiffeId.Role.OPERATOR, "op")));
    cli.addAll(List.of("--coordinator", "127.0.0.1:" + grpc, "agents"));
    ZddCli.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), cli.toArray(String[]::new));
    return out.toString();
  }
}
