package io.zdd.coordinator.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Count, failure limit and inconclusive limit decide a step's analysis. */
class AnalysisJudgeTest {
  private static final Instant T = Instant.parse("2026-12-04T10:00:00Z");

  private static AnalysisTemplate template(int count, int failureLimit, int inconclusiveLimit) {
    return new AnalysisTemplate("t", Duration.ofSeconds(10), count, failureLimit, inconclusiveLimit, OnFailure.ROLLBACK,
        List.of(new LbCheck("c", LbMetric.RATIO_5XX, 0.01, Double.NaN, Double.NaN, Double.NaN, 0)), List.of(), List.of());
  }

  private static List<CheckResult> results(Verdict... v) {
    return Arrays.stream(v).map(x -> new CheckResult("c", "", x, 0.5, x.label() + " detail")).toList();
  }

  private static AnalysisState run(AnalysisTemplate t, List<List<CheckResult>> measurements) {
    AnalysisState s = AnalysisState.startAt(0, T);
    for (List<CheckResult> m : measurements) {
      s = AnalysisJudge.next(s, m, T, t);
      if (s.result() != AnalysisState.Result.RUNNING) {
        break;
      }
    }
    return s;
  }

  @Test
  void countPassingMeasurements_passTheStep() {
    AnalysisState s = run(template(3, 0, 0), List.of(results(Verdict.PASS), results(Verdict.PASS), results(Verdict.PASS)));
    assertThat(s.result()).isEqualTo(AnalysisState.Result.PASSED);
    assertThat(s.open()).isTrue();
    assertThat(s.measurements()).isEqualTo(3);
  }

  @Test
  void oneFailureBeyondTheLimit_failsAtOnce_namingTheCheck() {
    AnalysisState s = run(template(3, 1, 0), List.of(results(Verdict.FAIL), results(Verdict.PASS, Verdict.FAIL)));
    assertThat(s.result()).isEqualTo(AnalysisState.Result.FAILED);
    assertThat(s.measurements()).isEqualTo(2);
    assertThat(s.summary()).contains("2 failed").contains("limit 1").contains("c: fail detail");
    assertThat(s.halted()).isTrue();
  }

  @Test
  void anyFailingCheck_failsTheMeasurement_evenWithAnInconclusiveOne() {
    AnalysisState s = run(template(3, 0, 5), List.of(results(Verdict.INCONCLUSIVE, Verdict.FAIL)));
    assertThat(s.result()).isEqualTo(AnalysisState.Result.FAILED);
  }

  @Test
  void inconclusiveMeasurements_doNotCountTowardsAPass_andBeyondTheirLimitStopTheAnalysis() {
    AnalysisState s = run(template(2, 0, 1), List.of(results(Verdict.INCONCLUSIVE), results(Verdict.PASS),
        results(Verdict.INCONCLUSIVE)));
    assertThat(s.result()).isEqualTo(AnalysisState.Result.INCONCLUSIVE);
    assertThat(s.inconclusives()).isEqualTo(2);
    AnalysisState passed = run(template(2, 0, 1), List.of(results(Verdict.INCONCLUSIVE), results(Verdict.PASS),
        results(Verdict.PASS)));
    assertThat(passed.result()).isEqualTo(AnalysisState.Result.PASSED);
    assertThat(passed.measurements()).isEqualTo(3);
  }

  @Test
  void aRestartAfterResume_countsFromZero() {
    AnalysisState failed = run(template(3, 0, 0), List.of(results(Verdict.FAIL)));
    AnalysisState again = failed.restartedAt(null);
    assertThat(again.result()).isEqualTo(AnalysisState.Result.RUNNING);
    assertThat(again.measurements()).isZero();
    assertThat(again.halted()).isFalse();
  }
}
