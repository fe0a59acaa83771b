package io.zdd.deploy.demoapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PendingOperationsTest {
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void countsAcceptedUntilTheirDelayHasPassed() {
    PendingOperations ops = new PendingOperations(executor, Duration.ofMillis(400));

    ops.accept();
    ops.accept();
    ops.accept();

    assertThat(ops.pending()).isEqualTo(3);
    await().atMost(Duration.ofSeconds(5)).until(() -> ops.pending() == 0);
    assertThat(ops.completed()).isEqualTo(3);
  }

  @Test
  void refusesNewWorkAfterStopButFinishesWhatItHas() {
    PendingOperations ops = new PendingOperations(executor, Duration.ofMillis(200));
    ops.accept();

    ops.stopAccepting();

    assertThat(ops.accept()).isFalse();
    assertThat(ops.pending()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> ops.pending() == 0);
  }
}
