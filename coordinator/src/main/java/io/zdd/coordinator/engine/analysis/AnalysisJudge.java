package io.zdd.coordinator.engine.analysis;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/** Pure: a step's analysis after one more measurement, by the template's count and limits. */
public final class AnalysisJudge {
  private AnalysisJudge() {}

  public static AnalysisState next(AnalysisState s, List<CheckResult> results, Instant at, AnalysisTemplate t) {
    Verdict v = Verdict.worst(results.stream().map(CheckResult::verdict).toList());
    int measurements = s.measurements() + 1;
    int failures = s.failures() + (v == Verdict.FAIL ? 1 : 0);
    int inconclusives = s.inconclusives() + (v == Verdict.INCONCLUSIVE ? 1 : 0);
    AnalysisState.Result result;
    String summary;
    if (failures > t.failureLimit()) {
      result = AnalysisState.Result.FAILED;
      summary = "failed (" + failures + " failed measurement(s), limit " + t.failureLimit() + "): " + worst(results, Verdict.FAIL);
    } else if (inconclusives > t.inconclusiveLimit()) {
      result = AnalysisState.Result.INCONCLUSIVE;
      summary = "inconclusive (" + inconclusives + " inconclusive measurement(s), limit " + t.inconclusiveLimit() + "): "
          + worst(results, Verdict.INCONCLUSIVE);
    } else if (measurements - inconclusives >= t.count()) {
      result = AnalysisState.Result.PASSED;
      summary = "passed (" + measurements + " measurement(s), " + failures + " failed, " + inconclusives + " inconclusive)";
    } else {
      result = AnalysisState.Result.RUNNING;
      summary = "measurement " + measurements + ": " + v.label()
          + (v == Verdict.PASS ? "" : " (" + worst(results, v) + ")");
    }
    return new AnalysisState(s.step(), measurements, failures, inconclusives, at, result, summary, s.confirmed());
  }

  private static String worst(List<CheckResult> results, Verdict v) {
    return results.stream().filter(r -> r.verdict() == v).map(CheckResult::describe).limit(3).collect(Collectors.joining("; "));
  }
}
