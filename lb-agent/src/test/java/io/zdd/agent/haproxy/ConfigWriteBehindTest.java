package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConfigWriteBehindTest {

  @Test
  void aBurstWhileAWriteRuns_endsInOneMoreWrite() throws Exception {
    AtomicInteger writes = new AtomicInteger();
    CountDownLatch inFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (ConfigWriteBehind w = new ConfigWriteBehind(() -> {
      if (writes.incrementAndGet() == 1) {
        inFirst.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    })) {
      w.schedule();
      assertThat(inFirst.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 50; i++) {
        w.schedule();
      }
      release.countDown();
      assertThat(w.flush(Duration.ofSeconds(10))).isTrue();
      // The first write, one for the whole burst, and the flush's own.
      assertThat(writes.get()).isEqualTo(3);
    }
  }

  @Test
  void aFailedWriteIsTriedAgain() {
    AtomicInteger attempts = new AtomicInteger();
    try (ConfigWriteBehind w = new ConfigWriteBehind(() -> {
      if (attempts.incrementAndGet() == 1) {
        throw new IllegalStateException("disk full");
      }
    })) {
      w.schedule();
      await().atMost(Duration.ofSeconds(10)).until(() -> attempts.get() == 2);
    }
  }

  @Test
  void closeFlushesAndLaterSchedulesAreIgnored() {
    AtomicInteger writes = new AtomicInteger();
    ConfigWriteBehind w = new ConfigWriteBehind(writes::incrementAndGet);
    w.close();
    assertThat(writes.get()).isEqualTo(1);
    w.schedule();
    assertThat(w.flush(Duration.ofMillis(100))).isFalse();
    assertThat(writes.get()).isEqualTo(1);
  }
}
