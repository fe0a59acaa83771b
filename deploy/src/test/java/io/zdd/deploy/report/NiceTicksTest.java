package io.zdd.deploy.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NiceTicksTest {
  @Test
  void stepsAreRoundNumbers() {
    assertThat(NiceTicks.step(90, 12)).isEqualTo(10);
    assertThat(NiceTicks.step(1177, 4)).isEqualTo(500);
    assertThat(NiceTicks.step(8, 4)).isEqualTo(2);
    assertThat(NiceTicks.step(100, 4)).isEqualTo(25);
    assertThat(NiceTicks.step(0, 4)).isEqualTo(1);
  }

  @Test
  void topIsAWholeNumberOfStepsAtOrAboveTheMaximum() {
    assertThat(NiceTicks.top(1177, 4)).isEqualTo(1500);
    assertThat(NiceTicks.top(100, 4)).isEqualTo(100);
    assertThat(NiceTicks.top(7, 4)).isEqualTo(8);
    assertThat(NiceTicks.ticks(100, 4)).containsExactly(0.0, 25.0, 50.0, 75.0, 100.0);
  }
}
