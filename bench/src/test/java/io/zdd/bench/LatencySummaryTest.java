package io.zdd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencySummaryTest {
  @Test
  void nearestRankOnOneToHundredMilliseconds() {
    List<Long> nanos = new ArrayList<>();
    for (long ms = 100; ms >= 1; ms--) {
      nanos.add(ms * 1_000_000);
    }
    Collections.shuffle(nanos);
    LatencySummary s = LatencySummary.ofNanos(nanos);
    assertThat(s.count()).isEqualTo(100);
    assertThat(s.p50Ms()).isEqualTo(50.0);
    assertThat(s.p90Ms()).isEqualTo(90.0);
    assertThat(s.p99Ms()).isEqualTo(99.0);
    assertThat(s.maxMs()).isEqualTo(100.0);
    assertThat(s.meanMs()).isEqualTo(50.5);
  }

  @Test
  void smallSamplesReportMeasuredValuesOnly() {
    LatencySummary s = LatencySummary.ofNanos(List.of(3_000_000L, 1_000_000L, 2_000_000L));
    assertThat(s.p50Ms()).isEqualTo(2.0);
    assertThat(s.p99Ms()).isEqualTo(3.0);
    assertThat(LatencySummary.ofNanos(List.of()).count()).isZero();
  }

  @Test
  void loadAverageLineIsParsed() {
    assertThat(LoadAverageSampler.parseOneMinute("8.22 9.41 10.94 11/372 6765\n")).isEqualTo(8.22);
  }

  @Test
  void ratioOfZeroIsNotANumber() {
    assertThat(BenchReport.ratio(10, 0)).isEqualTo("n/a");
    assertThat(BenchReport.ratio(30, 2)).isEqualTo("15.0");
  }
}
