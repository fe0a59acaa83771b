package io.zdd.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.StaleEpochException;
import io.zdd.common.error.StaleVersionException;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpochStoreTest {
  private static final GroupName WEB = GroupName.of("web");
  @TempDir Path dataDir;

  @Test
  void epoch5Committed_epoch4Refused_evenAfterRestart() {
    EpochStore store = EpochStore.open(dataDir);
    store.commit(Epoch.of(5));

    assertThatThrownBy(() -> store.check(Epoch.of(4)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch 4 is older than the highest accepted epoch 5");

    EpochStore restarted = EpochStore.open(dataDir);
    assertThat(restarted.highest()).isEqualTo(Epoch.of(5));
    assertThatThrownBy(() -> restarted.check(Epoch.of(4))).isInstanceOf(StaleEpochException.class);
    restarted.check(Epoch.of(5)); // the current leader keeps working
  }

  @Test
  void checkRecordsNothing_commitWrites() {
    EpochStore store = EpochStore.open(dataDir);
    assertThat(store.highest()).isEqualTo(Epoch.ZERO);
    store.check(Epoch.of(9));
    store.check(WEB, Epoch.of(9), 3);
    assertThat(store.highest()).isEqualTo(Epoch.ZERO);
    assertThat(store.applied(WEB)).isEmpty();
    assertThat(dataDir.resolve(EpochStore.FILE)).doesNotExist();
    store.commit(Epoch.of(1));
    assertThat(dataDir.resolve(EpochStore.FILE)).exists();
  }

  @Test
  void commitNeverLowersTheHighestEpoch() {
    EpochStore store = EpochStore.open(dataDir);
    store.commit(Epoch.of(7));
    // A command of epoch 6 on another resource checked before 7 was committed, then finished.
    store.commit(WEB, Epoch.of(6), 2);
    assertThat(store.highest()).isEqualTo(Epoch.of(7));
    assertThat(store.applied(WEB)).contains(new EpochStore.Applied(Epoch.of(6), 2));
    assertThat(EpochStore.open(dataDir).highest()).isEqualTo(Epoch.of(7));
  }

  @Test
  void olderVersionUnderSameEpoch_isRefused_newerEpochResetsTheOrder() {
    EpochStore store = EpochStore.open(dataDir);
    store.commit(WEB, Epoch.of(5), 10);
    store.check(WEB, Epoch.of(5), 10); // retry of the same version
    store.commit(GroupName.of("api"), Epoch.of(5), 1); // groups are ordered independently
    store.check(GroupName.of("api"), Epoch.of(5), 1);

    assertThatThrownBy(() -> store.check(WEB, Epoch.of(5), 9))
        .isInstanceOf(StaleVersionException.class)
        .hasMessageContaining("version 9 is older than applied version 10");

    store.commit(WEB, Epoch.of(6), 1); // a new leader's counter restarted
    assertThat(store.applied(WEB)).contains(new EpochStore.Applied(Epoch.of(6), 1));
    assertThatThrownBy(() -> store.check(WEB, Epoch.of(5), 11)).isInstanceOf(StaleEpochException.class);
  }

  @Test
  void committedVersions_surviveARestart_andForgetDropsAGroup() {
    EpochStore.open(dataDir).commit(WEB, Epoch.of(3), 7);

    EpochStore restarted = EpochStore.open(dataDir);

    assertThat(restarted.applied(WEB)).contains(new EpochStore.Applied(Epoch.of(3), 7));
    assertThatThrownBy(() -> restarted.check(WEB, Epoch.of(3), 6)).isInstanceOf(StaleVersionException.class);
    restarted.forget(WEB);
    assertThat(EpochStore.open(dataDir).applied(WEB)).isEmpty();
    assertThat(EpochStore.open(dataDir).highest()).isEqualTo(Epoch.of(3));
  }

  @Test
  void recover_takesInOnlyNewerVersionsFromTheConfigFile() {
    EpochStore store = EpochStore.open(dataDir);
    store.commit(WEB, Epoch.of(3), 7);
    store.recover(WEB, Epoch.of(3), 5); // older: ignored
    assertThat(store.applied(WEB)).contains(new EpochStore.Applied(Epoch.of(3), 7));
    store.recover(WEB, Epoch.of(4), 1); // written to the file, crashed before the commit
    assertThat(store.applied(WEB)).contains(new EpochStore.Applied(Epoch.of(4), 1));
    assertThat(EpochStore.open(dataDir).highest()).isEqualTo(Epoch.of(4));
  }

  @Test
  void corruptFile_refusesToStartInsteadOfForgettingTheEpoch() throws Exception {
    Files.writeString(dataDir.resolve(EpochStore.FILE), "highest_epoch five\n");

    assertThatThrownBy(() -> EpochStore.open(dataDir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("corrupt");
  }

  @Test
  void concurrentCommits_keepTheHighest() throws Exception {
    EpochStore store = EpochStore.open(dataDir);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      long e = i;
      futures.add(pool.submit(() -> {
        go.await();
        store.commit(Epoch.of(e));
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : futures) {
      f.get(10, TimeUnit.SECONDS);
    }
    pool.shutdownNow();

    assertThat(store.highest()).isEqualTo(Epoch.of(40));
    assertThat(EpochStore.open(dataDir).highest()).isEqualTo(Epoch.of(40));
    try (var files = Files.list(dataDir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(EpochStore.FILE);
    }
  }
}
