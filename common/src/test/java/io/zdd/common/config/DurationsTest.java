package io.zdd.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void numbersWithUnits_bareSeconds_andOlderIso() {
    assertThat(Durations.parse("--x", "250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("--x", "10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("--x", "1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("--x", "5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("--x", "2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("--x", "300")).as("zdd.py's seconds").isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("--x", "0.5")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("--x", "PT15S")).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void anythingElse_isRefusedNamingTheFlag() {
    for (String bad : new String[] {"", "ten", "-5s", "5 s", "5d", "PT-5S", "1e3s", "99999999999999s", "999999999999h"}) {
      assertThatThrownBy(() -> Durations.parse("--max-wait", bad)).as(bad)
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("--max-wait"));
    }
  }

  @Test
  void format_isTheShortForm_andReadsBack() {
    for (Duration d : new Duration[] {Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(90),
        Duration.ofMinutes(5), Duration.ZERO}) {
      assertThat(Durations.parse("--x", Durations.format(d))).isEqualTo(d);
    }
    assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
  }
}
