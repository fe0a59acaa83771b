package io.zdd.common.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.UnavailableException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BoundedLockTest {
  private final ExecutorService holder = Executors.newSingleThreadExecutor();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    holder.shutdownNow();
  }

  private void holdElsewhere(BoundedLock lock) throws InterruptedException {
    CountDownLatch held = new CountDownLatch(1);
    holder.execute(() -> lock.run(() -> {
      held.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void busyBeyondItsOwnWait_isUnavailable() throws Exception {
    BoundedLock lock = new BoundedLock("group web", Duration.ofMillis(100));
    holdElsewhere(lock);
    assertThatThrownBy(() -> lock.run(() -> { }))
        .isInstanceOf(UnavailableException.class).hasMessageContaining("group web is busy");
  }

  @Test
  void theCallersDeadlineEndsTheWaitFirst_andIsSaidSo() throws Exception {
    BoundedLock lock = new BoundedLock("group web", Duration.ofSeconds(30));
    holdElsewhere(lock);
    long t0 = System.nanoTime();
    try (CallDeadline.Scope s = CallDeadline.within(Duration.ofMillis(200))) {
      assertThatThrownBy(() -> lock.run(() -> { })).isInstanceOf(DeadlineExceededException.class);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aDeadlineAlreadyPassed_refusesBeforeWaiting_andScopesNest() {
    BoundedLock lock = new BoundedLock("group web", Duration.ofSeconds(30));
    try (CallDeadline.Scope outer = CallDeadline.within(Duration.ZERO)) {
      assertThatThrownBy(() -> lock.run(() -> { })).isInstanceOf(DeadlineExceededException.class);
      try (CallDeadline.Scope inner = CallDeadline.within(null)) {
        assertThat(lock.with(() -> "ran")).isEqualTo("ran");
      }
      assertThatThrownBy(() -> CallDeadline.bound(Duration.ofSeconds(1), "x")).isInstanceOf(DeadlineExceededException.class);
    }
    assertThat(CallDeadline.bound(Duration.ofSeconds(1), "x")).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void asALock_itIsBoundedTheSameWay_andReentrant() throws Exception {
    BoundedLock lock = new BoundedLock("group web", Duration.ofMillis(100));
    lock.lock();
    lock.lock(); // the holder does not wait for itself
    lock.unlock();
    lock.unlock();
    holdElsewhere(lock); // released as often as taken: free for another thread
    assertThatThrownBy(lock::lock).isInstanceOf(UnavailableException.class).hasMessageContaining("group web is busy");
    try (CallDeadline.Scope s = CallDeadline.within(Duration.ofMillis(50))) {
      assertThatThrownBy(lock::lock).isInstanceOf(DeadlineExceededException.class);
      // tryLock waits as long as it is told, and says whether it got the lock.
      assertThat(lock.tryLock(200, TimeUnit.MILLISECONDS)).isFalse();
    }
    assertThat(lock.tryLock()).isFalse();
  }
}
