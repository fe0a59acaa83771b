package io.zdd.coordinator.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.StaleEpochException;
import io.zdd.common.model.Colour;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.testing.ZooKeeperExtension;
import io.zdd.coordinator.engine.DeploymentOptions;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.DrainPolicy;
import io.zdd.coordinator.engine.DrainState;
import io.zdd.coordinator.engine.Phase;
import io.zdd.coordinator.engine.ShiftStrategy;
import io.zdd.coordinator.engine.TrafficState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ZkDeploymentStoreTest {
  @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();

  private static DeploymentRecord record(long epoch, String id, Instant started) {
    DeploymentOptions options = new DeploymentOptions(1, 0, 2, Duration.ofSeconds(5), Duration.ofMinutes(5), false,
        false, false, false, Optional.of("notify-lb"), ShiftStrategy.WEIGHT_STEPS, List.of(10, 50, 100),
        Duration.ZERO, DrainPolicy.SHUTDOWN, Duration.ofMinutes(10), Duration.ofSeconds(30),
        Optional.of("pending"), Optional.empty(), Optional.of(1), 0, 0, Duration.ofMinutes(2), Duration.ofSeconds(3),
        "spiffe://zdd/operator/alice", Optional.of("web"));
    return DeploymentRecord.builder()
        .id(id).group(GroupName.of("web")).epoch(epoch).options(options).phase(Phase.DRAIN_BLUE)
        .startedAt(started).phaseStartedAt(started.plusSeconds(3))
        .blueAppId("/web-blue").greenAppId("/web-green").greenColour(Colour.GREEN)
        .greenAppJson("{\"id\":\"/web-green\"}").servicePort(10000).targetInstances(3)
        .retiredTaskIds(List.of("web-blue.t1", "web-blue.t2")).killedTaskIds(List.of("web-blue.t0"))
        .drain(DrainState.of(List.of(), started.plusSeconds(10))).traffic(new TrafficState(1, null, false, false, false))
        .build();
  }

  @Test
  void saveThenLoad_returnsAnEqualRecord() {
    CuratorFramework c = zk.newClient();
    ZkPaths paths = new ZkPaths("/store1");
    Epoch e = new EpochCounter(c, paths).bump();
    ZkDeploymentStore store = new ZkDeploymentStore(c, paths, 3);
    DeploymentRecord r = record(e.value(), "d1", Instant.parse("2026-11-26T05:00:00.123Z"));

    store.save(r);
    store.save(r.toBuilder().phase(Phase.KILL_BLUE).build());

    assertThat(new ZkDeploymentStore(zk.newClient(), paths, 3).load(GroupName.of("web")))
        .contains(r.toBuilder().phase(Phase.KILL_BLUE).build());
    assertThat(store.groups()).containsExactly(GroupName.of("web"));
    assertThat(store.load(GroupName.of("other"))).isEmpty();
  }

  @Test
  void deposedLeader_cannotOverwriteTheNewLeadersRecord() {
    CuratorFramework c = zk.newClient();
    ZkPaths paths = new ZkPaths("/store2");
    EpochCounter epochs = new EpochCounter(c, paths);
    Epoch old = epochs.bump();
    ZkDeploymentStore store = new ZkDeploymentStore(c, paths, 3);
    store.save(record(old.value(), "d1", Instant.parse("2026-11-26T05:00:00Z")));

    Epoch newer = epochs.bump();
    DeploymentRecord fromNewLeader = record(newer.value(), "d1", Instant.parse("2026-11-26T05:00:00Z"))
        .toBuilder().phase(Phase.FINISH).build();
    store.save(fromNewLeader);

    assertThatThrownBy(() -> store.save(fromNewLeader.toBuilder().epoch(old.value()).phase(Phase.ROLLBACK).build()))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch " + old.value());
    assertThat(store.load(GroupName.of("web")).orElseThrow().phase()).isEqualTo(Phase.FINISH);
  }

  @Test
  void afterTheEpochCounterIsRestored_theNextLeadersWritesAreFenced_andAccepted() throws Exception {
    CuratorFramework c = zk.newClient();
    ZkPaths paths = new ZkPaths("/store4");
    EpochCounter epochs = new EpochCounter(c, paths);
    for (int i = 0; i < 3; i++) {
      epochs.bump();
    }
    // The documented restore: set the counter to at least the highest epoch agents have seen.
    c.setData().forPath(paths.epoch(), "10".getBytes(StandardCharsets.UTF_8));
    Epoch leader = epochs.bump();
    assertThat(leader.value()).isEqualTo(11);
    ZkDeploymentStore store = new ZkDeploymentStore(c, paths, 3);

    store.save(record(leader.value(), "d1", Instant.parse("2026-11-26T05:00:00Z")));
    store.save(record(leader.value(), "d1", Instant.parse("2026-11-26T05:00:00Z")).toBuilder().phase(Phase.FINISH).build());
    assertThat(store.load(GroupName.of("web")).orElseThrow().phase()).isEqualTo(Phase.FINISH);

    // ...and still fenced: a newer leader's bump refuses the old leader's next write.
    epochs.bump();
    assertThatThrownBy(() -> store.save(record(leader.value(), "d1", Instant.parse("2026-11-26T05:00:00Z"))))
        .isInstanceOf(StaleEpochException.class);
  }

  @Test
  void history_isKeptInStartOrder_andBounded() {
    CuratorFramework c = zk.newClient();
    ZkPaths paths = new ZkPaths("/store3");
    Epoch e = new EpochCounter(c, paths).bump();
    ZkDeploymentStore store = new ZkDeploymentStore(c, paths, 3);
    Instant t0 = Instant.parse("2026-11-26T05:00:00Z");
    for (int i = 0; i < 5; i++) {
      store.appendHistory(record(e.value(), "d" + i, t0.plusSeconds(60L * i)));
    }
    store.appendHistory(record(e.value(), "d4", t0.plusSeconds(240))); // repeated: no duplicate
    assertThat(store.history(GroupName.of("web"))).extracting(DeploymentRecord::id).containsExactly("d2", "d3", "d4");
  }
}
