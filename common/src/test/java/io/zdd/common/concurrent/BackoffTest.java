package io.zdd.common.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void withoutJitter_delaysDoubleUpToMax() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), 2.0, 0.0, () -> 0.5);
    assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(200));
    assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(400));
    assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(800));
    assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(1000));
    assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(1000));
  }

  @RepeatedTest(20)
  void withJitter_everyDelayStaysWithinBounds() {
    Random r = new Random();
    Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2), 2.0, 0.3, r::nextDouble);
    for (int i = 0; i < 200; i++) {
      double ceiling = Math.min(2000, 50 * Math.pow(2, Math.min(i, 40)));
      Duration d = b.nextDelay();
      assertThat(d.toNanos()).isLessThanOrEqualTo((long) (ceiling * 1_000_000));
      assertThat(d.toNanos()).isGreaterThanOrEqualTo((long) (ceiling * 0.7 * 1_000_000) - 1);
    }
  }

  @Test
  void fullJitterAtTopOfRandomRange_neverReachesZero() {
    Backoff b = new Backoff(Duration.ofMillis(10), Duration.ofMillis(10), 1.0, 1.0, () -> 0.999999999);
    assertThat(b.nextDelay()).isPositive();
  }

  @Test
  void reset_startsOverFromInitial() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 3.0, 0.0, () -> 0);
    b.nextDelay();
    b.nextDelay();
    assertThat(b.attempts()).isEqualTo(2);
    b.reset();
    assertThat(b.attempts()).isZero();
    assertThat(b.nextDelay()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void manyAttempts_doNotOverflow() {
    Backoff b = new Backoff(Duration.ofMillis(1), Duration.ofMinutes(1), 10.0, 0.0, () -> 0);
    for (int i = 0; i < 1000; i++) {
      b.nextDelay();
    }
    assertThat(b.nextDelay()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void invalidSettings_areRejected() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2, 0, () -> 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0, () -> 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 0, () -> 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 1.5, () -> 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
