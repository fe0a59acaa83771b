package io.zdd.deploy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.common.model.GroupName;
import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.cli.ExitCodes;
import io.zdd.coordinator.cli.ZddCli;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.DeploymentRecordCodec;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.zk.ZkPaths;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Someone with ZooKeeper write access edits a running deployment's record while no coordinator
 * leads (they point the kill list at another app's task). The next leader refuses to resume it:
 * a WARNING event says why, and nothing is killed or deleted in Marathon.
 */
class TamperedRecordIT {
  @TempDir Path work;

  private static int cli(LocalCluster cluster, StringWriter out, String... args) {
    List<String> all = new ArrayList<>(cluster.operatorFlags());
    all.addAll(List.of("--coordinator", cluster.anyCoordinator(), "--timeout", "30s"));
    all.addAll(List.of(args));
    return ZddCli.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), all.toArray(String[]::new));
  }

  private static List<String> apps(LocalCluster cluster) {
    List<String> ids = new ArrayList<>();
    cluster.marathon().listApps(Set.of(), a -> true).path("apps").forEach(a -> ids.add(a.path("id").asText()));
    return ids;
  }

  @Test
  void aResumingLeader_refusesARecordEditedInZooKeeper() throws Exception {
    try (LocalCluster cluster = new LocalCluster(new LocalCluster.Options(1, 1, work.resolve("cluster"),
        Duration.ofSeconds(6), false))) {
      cluster.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leader().isPresent());
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        StringWriter s = new StringWriter();
        cli(cluster, s, "agents");
        return s.toString().contains(" connected ");
      });
      Path v1 = work.resolve("v1.json");
      Files.writeString(v1, DemoAppDefinition.json("tamper", 10500, 10501, "v1", 1, 100, System.getProperty("java.class.path")));
      assertThat(cli(cluster, new StringWriter(), "deploy", v1.toString())).isEqualTo(ExitCodes.OK);
      Path v2 = work.resolve("v2.json");
      Files.writeString(v2, DemoAppDefinition.json("tamper", 10500, 10501, "v2", 1, 100, System.getProperty("java.class.path")));
      // A weighted canary that holds at its first step until promoted: a running record to edit.
      StringWriter started = new StringWriter();
      assertThat(cli(cluster, started, "deploy", v2.toString(), "--detach", "--traffic", "10,100")).isEqualTo(ExitCodes.OK);
      String id = started.toString().replaceAll("(?s).*deployment (\\S+) of group.*", "$1");
      Coordinator first = cluster.leader().orElseThrow().coordinator().orElseThrow();
      await().atMost(Duration.ofSeconds(90)).until(() -> first.events().events(id).stream()
          .anyMatch(e -> e.kind() == EventKind.WAITING_FOR_PROMOTE));
      LocalCluster.CoordinatorSlot slot = cluster.coordinators().get(0);
      cluster.stopCoordinator(slot);
      List<String> appsBefore = apps(cluster);

      // The edit: the record now asks the next leader to kill a task of another app.
      ZKClientConfig tls = new ZKClientConfig();
      io.zdd.common.tls.ZkTls.clientProperties(cluster.issue(SpiffeId.Role.OPERATOR, "intruder")).forEach(tls::setProperty);
      String path = new ZkPaths("/zdd").deployment(GroupName.of("tamper"));
      try (CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(cluster.zkConnect()).zkClientConfig(tls)
          .authorization("digest", cluster.zkCredentials().coordinator().getBytes(StandardCharsets.UTF_8))
          .retryPolicy(new RetryOneTime(100)).build()) {
        zk.start();
        assertThat(zk.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
        DeploymentRecord r = DeploymentRecordCodec.fromJson(new String(zk.getData().forPath(path), StandardCharsets.UTF_8));
        assertThat(r.id()).isEqualTo(id);
        zk.setData().forPath(path, DeploymentRecordCodec.toJson(r.toBuilder().killingTaskIds(List.of("billing.1234"))
            .build()).getBytes(StandardCharsets.UTF_8));
      }

      cluster.startCoordinator(slot);
      Coordinator leader = slot.coordinator().orElseThrow();
      await().atMost(Duration.ofSeconds(30)).until(leader::isLeader);
      await().atMost(Duration.ofSeconds(20)).until(() -> leader.events().events(id).stream()
          .anyMatch(e -> e.kind() == EventKind.WARNING && e.message().startsWith("stored record refused")));
      DeploymentEvent refusal = leader.events().events(id).stream().filter(e -> e.kind() == EventKind.WARNING)
          .findFirst().orElseThrow();
      assertThat(refusal.message()).contains("killingTaskIds lists billing.1234, which is not a task of the blue app");
      assertThat(leader.events().events(id)).noneMatch(e -> e.kind() == EventKind.TASKS_KILLED);
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> apps(cluster).equals(appsBefore));
    }
  }
}
