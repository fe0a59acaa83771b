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
  void epoch5Accepted_epoch4Refused_evenAfterRestart() {
    EpochStore store = EpochStore.open(dataDir);
    store.accept(Epoch.of(5));

    assertThatThrownBy(() -> store.accept(Epoch.of(4)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch 4 is older than the highest accepted epoch 5");

    EpochStore restarted = EpochStore.open(dataDir);
    assertThat(restarted.highest()).isEqualTo(Epoch.of(5));
    assertThatThrownBy(() -> restarted.accept(Epoch.of(4))).isInstanceOf(StaleEpochException.class);
    restarted.accept(Epoch.of(5)); // the current leader keeps working
  }

  @Test
  void freshStore_acceptsAnything_andWritesNothingUntilAnEpochIsSeen() {
    EpochStore store = EpochStore.open(dataDir);
    assertThat(store.highest()).isEqualTo(Epoch.ZERO);
    store.accept(Epoch.ZERO);
    assertThat(dataDir.resolve(EpochStore.FILE)).doesNotExist();
    store.accept(Epoch.of(1));
    assertThat(dataDir.resolve(EpochStore.FILE)).exists();
  }

  @Test
  void olderVersionUnderSameEpoch_isRefused_newerEpochResetsTheOrder() {
    EpochStore store = EpochStore.open(dataDir);
    store.admit(WEB, Epoch.of(5), 10);
    store.admit(WEB, Epoch.of(5), 10); // retry of the same version
    store.admit(GroupName.of("api"), Epoch.of(5), 1); // groups are ordered independently

    assertThatThrownBy(() -> store.admit(WEB, Epoch.of(5), 9))
        .isInstanceOf(StaleVersionException.class)
        .hasMessageContaining("version 9 is older than applied version 10");

    store.admit(WEB, Epoch.of(6), 1); // a new leader's counter restarted
    assertThat(store.applied(WEB)).contains(new EpochStore.Applied(Epoch.of(6), 1));
    assertThatThrownBy(() -> store.admit(WEB, Epoch.of(5), 11)).isInstanceOf(StaleEpochException.class);
  }

  @Test
  void admittedVersions_surviveARestart() {
    EpochStore.open(dataDir).admit(WEB, Epoch.of(3), 7);

    EpochStore restarted = EpochStore.open(dataDir);

    assertThat(restarted.applied(WEB)).contains(new EpochStore.Applied(Epoch.of(3), 7));
    assertThatThrownBy(() -> restarted.admit(WEB, Epoch.of(3), 6)).isInstanceOf(StaleVersionException.class);
  }

  @Test
  void corruptFile_refusesToStartInsteadOfForgettingTheEpoch() throws Exception {
    Files.writeString(dataDir.resolve(EpochStore.FILE), "highest_epoch five\n");

    assertThatThrownBy(() -> EpochStore.open(dataDir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("corrupt");
  }

  @Test
  void concurrentAccepts_keepTheHighest() throws Exception {
    EpochStore store = EpochStore.open(dataDir);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      long e = i;
      futures.add(pool.submit(() -> {
        go.await();
        try {
          store.accept(Epoch.of(e));
        } catch (StaleEpochException expected) {
          // a higher one won the race
        }
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
