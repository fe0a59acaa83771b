package io.zdd.coordinator.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.model.Epoch;
import io.zdd.common.testing.ZooKeeperExtension;
import io.zdd.coordinator.zk.EpochCounter;
import io.zdd.coordinator.zk.ZkPaths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LeadershipManagerTest {
  @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, new NamedThreadFactory("lm-test"));
  private final List<String> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private LeaderTerm.Factory recordingTerms(String who) {
    return epoch -> new LeaderTerm() {
      @Override
      public Epoch epoch() {
        return epoch;
      }

      @Override
      public void close() {
        events.add(who + " closed " + epoch);
      }
    };
  }

  private LeadershipManager manager(CuratorFramework c, String root, String id, AtomicReference<String> aborted) {
    return new LeadershipManager(c, new ZkPaths(root), id, recordingTerms(id), scheduler,
        Duration.ofSeconds(2), aborted::set);
  }

  @Test
  void oneLeads_otherTakesOverWithAHigherEpoch_andKnowsTheLeader() {
    String root = "/lm1";
    AtomicReference<String> aborted = new AtomicReference<>();
    LeadershipManager a = manager(zk.newClient(), root, "coord-a:7100", aborted);
    LeadershipManager b = manager(zk.newClient(), root, "coord-b:7100", aborted);
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> b.leaderAddress().isPresent());
    assertThat(b.isLeader()).isFalse();
    assertThat(b.leaderAddress()).contains("coord-a:7100");
    Epoch first = a.epoch().orElseThrow();

    a.close();
    await().atMost(Duration.ofSeconds(10)).until(b::isLeader);
    assertThat(b.epoch().orElseThrow()).isGreaterThan(first);
    assertThat(events).contains("coord-a:7100 closed " + first);
    b.close();
    assertThat(aborted.get()).isNull();
  }

  @Test
  void lostZooKeeper_closesTheTerm_andAbortsAfterTheLimit() throws Exception {
    String root = "/lm2";
    AtomicReference<String> aborted = new AtomicReference<>();
    LeadershipManager a = manager(zk.newClient(), root, "coord-a:7100", aborted);
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
    Epoch e = a.epoch().orElseThrow();
    zk.server().stop();
    try {
      // SUSPENDED cancels leadership: the term closes well before the session could expire.
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("coord-a:7100 closed " + e));
      assertThat(a.isLeader()).isFalse();
      await().atMost(Duration.ofSeconds(10)).until(() -> aborted.get() != null);
      assertThat(aborted.get()).contains("ZooKeeper unreachable");
    } finally {
      zk.server().restart();
      a.close();
    }
  }

  @Test
  void concurrentBumps_neverHandOutTheSameEpoch() throws Exception {
    ZkPaths paths = new ZkPaths("/lm3");
    List<EpochCounter> counters = List.of(new EpochCounter(zk.newClient(), paths),
        new EpochCounter(zk.newClient(), paths), new EpochCounter(zk.newClient(), paths));
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    var pool = Executors.newFixedThreadPool(3);
    try {
      var futures = new ArrayList<Future<?>>();
      for (EpochCounter c : counters) {
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 20; i++) {
            assertThat(seen.add(c.bump().value())).isTrue();
          }
        }));
      }
      for (var f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(seen).hasSize(60);
    assertThat(new HashSet<>(seen)).contains(60L);
    assertThat(counters.get(0).read()).isEqualTo(Epoch.of(60));
  }
}
