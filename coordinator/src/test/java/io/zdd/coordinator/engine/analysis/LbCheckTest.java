package io.zdd.coordinator.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ServerTraffic;
import io.zdd.common.model.TrafficReading;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** LB-observed rules on windows of HAProxy counters: bounds, comparisons with blue, too little data, one bad LB. */
class LbCheckTest {
  private static final double NONE = Double.NaN;
  private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

  /** One server per colour per LB: {lb: {colour: [2xx, 5xx, avgResponseMs]}}. */
  private static Map<AgentId, TrafficReading> reading(Instant at, Map<String, Map<Colour, long[]>> lbs) {
    Map<AgentId, TrafficReading> out = new TreeMap<>();
    lbs.forEach((lb, colours) -> {
      List<ServerTraffic> servers = new ArrayList<>();
      colours.forEach((c, v) -> servers.add(server(c.label() + "_1", c, v[0], v[1], v[2])));
      out.put(AgentId.of(lb), new TrafficReading(AgentId.of(lb), at, servers));
    });
    return out;
  }

  static ServerTraffic server(String name, Colour colour, long ok, long errors, long avgMs) {
    return new ServerTraffic("web", name, colour, "task-" + name, 0, ok, 0, 0, errors, 0, 0, 0, 0, 0, ok + errors, avgMs, avgMs);
  }

  private static TrafficWindow window(Map<String, Map<Colour, long[]>> before, Map<String, Map<Colour, long[]>> after) {
    return TrafficWindow.between(reading(T0, before), reading(T0.plusSeconds(10), after), "web");
  }

  @Test
  void greenOverItsMaximum_failsWithTheValueInWords_andEveryLbIsJudgedToo() {
    TrafficWindow w = window(
        Map.of("lb1", Map.of(Colour.GREEN, new long[] {100, 0, 10}), "lb2", Map.of(Colour.GREEN, new long[] {100, 0, 10})),
        Map.of("lb1", Map.of(Colour.GREEN, new long[] {260, 40, 10}), "lb2", Map.of(Colour.GREEN, new long[] {280, 20, 10})));
    LbCheck c = new LbCheck("green-5xx", LbMetric.RATIO_5XX, 0.01, NONE, NONE, NONE, 200);
    List<CheckResult> r = c.evaluate(w, Colour.GREEN);
    assertThat(r.get(0).lb()).isEmpty();
    assertThat(r.get(0).verdict()).isEqualTo(Verdict.FAIL);
    assertThat(r.get(0).value()).isEqualTo(60.0 / 400);
    assertThat(r.get(0).detail()).contains("15.00%").contains("max 1.00%").contains("400 requests");
    assertThat(r).extracting(CheckResult::lb).containsExactly("", "lb1", "lb2");
  }

  @Test
  void oneBrokenLb_failsTheCheck_thoughTheSumOverEveryLbPasses() {
    TrafficWindow w = window(
        Map.of("lb1", Map.of(Colour.GREEN, new long[] {0, 0, 10}), "lb2", Map.of(Colour.GREEN, new long[] {0, 0, 10}),
            "lb3", Map.of(Colour.GREEN, new long[] {0, 0, 10})),
        Map.of("lb1", Map.of(Colour.GREEN, new long[] {1000, 0, 10}), "lb2", Map.of(Colour.GREEN, new long[] {1000, 0, 10}),
            "lb3", Map.of(Colour.GREEN, new long[] {90, 10, 10})));
    List<CheckResult> r = new LbCheck("green-5xx", LbMetric.RATIO_5XX, 0.05, NONE, NONE, NONE, 200).evaluate(w, Colour.GREEN);
    assertThat(r.get(0).verdict()).isEqualTo(Verdict.PASS);
    assertThat(r).filteredOn(x -> x.verdict() == Verdict.FAIL).extracting(CheckResult::lb).containsExactly("lb3");
    assertThat(Verdict.worst(r.stream().map(CheckResult::verdict).toList())).isEqualTo(Verdict.FAIL);
  }

  @Test
  void tooFewRequests_isInconclusive_neverAPass() {
    TrafficWindow w = window(Map.of("lb1", Map.of(Colour.GREEN, new long[] {0, 0, 1})),
        Map.of("lb1", Map.of(Colour.GREEN, new long[] {199, 0, 1})));
    List<CheckResult> r = new LbCheck("green-5xx", LbMetric.RATIO_5XX, 0.01, NONE, NONE, NONE, 200).evaluate(w, Colour.GREEN);
    assertThat(r).hasSize(1);
    assertThat(r.get(0).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(r.get(0).detail()).contains("199 requests").contains("200 needed");
  }

  @Test
  void comparisonsWithBlue_additiveForRatios_andAFactorForTimes() {
    Map<String, Map<Colour, long[]>> before = Map.of("lb1", Map.of(Colour.GREEN, new long[] {0, 0, 0}, Colour.BLUE,
        new long[] {0, 0, 0}));
    // Green 2 % 5xx at 30 ms; blue 1 % at 10 ms. Here BLUE is the new app's label.
    TrafficWindow w = window(before, Map.of("lb1", Map.of(Colour.BLUE, new long[] {980, 20, 30}, Colour.GREEN,
        new long[] {990, 10, 10})));
    assertThat(new LbCheck("over", LbMetric.RATIO_5XX, NONE, NONE, 0.005, NONE, 0).evaluate(w, Colour.BLUE).get(0).verdict())
        .isEqualTo(Verdict.FAIL);
    assertThat(new LbCheck("over", LbMetric.RATIO_5XX, NONE, NONE, 0.02, NONE, 0).evaluate(w, Colour.BLUE).get(0).verdict())
        .isEqualTo(Verdict.PASS);
    CheckResult slow = new LbCheck("slow", LbMetric.AVG_RESPONSE_MS, NONE, NONE, NONE, 1.5, 0).evaluate(w, Colour.BLUE).get(0);
    assertThat(slow.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(slow.detail()).contains("30.0 ms").contains("1.50 × blue's 10.0 ms");
    // Seen from the other side, the old app is not compared with itself.
    assertThat(new LbCheck("slow", LbMetric.AVG_RESPONSE_MS, NONE, NONE, NONE, 1.5, 0).evaluate(w, Colour.GREEN).get(0).verdict())
        .isEqualTo(Verdict.PASS);
  }

  @Test
  void blueWithNothingToCompare_isInconclusive() {
    TrafficWindow w = window(Map.of("lb1", Map.of(Colour.GREEN, new long[] {0, 0, 0})),
        Map.of("lb1", Map.of(Colour.GREEN, new long[] {500, 0, 10})));
    assertThat(new LbCheck("over", LbMetric.RATIO_5XX, NONE, NONE, 0.005, NONE, 0).evaluate(w, Colour.GREEN).get(0).verdict())
        .isEqualTo(Verdict.INCONCLUSIVE);
  }

  @Test
  void aCounterThatWentDown_wasReset_andItsNewValueIsTheWindows() {
    TrafficWindow w = window(Map.of("lb1", Map.of(Colour.GREEN, new long[] {5000, 500, 10})),
        Map.of("lb1", Map.of(Colour.GREEN, new long[] {300, 0, 10})));
    assertThat(w.total(Colour.GREEN).responses()).isEqualTo(300);
    assertThat(w.total(Colour.GREEN).responses5xx()).isZero();
  }

  @Test
  void anLbMissingFromEitherReading_hasNoWindow() {
    TrafficWindow w = TrafficWindow.between(reading(T0, Map.of("lb1", Map.of(Colour.GREEN, new long[] {0, 0, 0}))),
        reading(T0.plusSeconds(10), Map.of("lb1", Map.of(Colour.GREEN, new long[] {10, 0, 0}),
            "lb2", Map.of(Colour.GREEN, new long[] {99, 0, 0}))), "web");
    assertThat(w.perLb()).containsOnlyKeys("lb1");
    assertThat(w.total(Colour.GREEN).responses()).isEqualTo(10);
  }

  @Test
  void aCheckWithoutBound_isRefused() {
    assertThatThrownBy(() -> new LbCheck("x", LbMetric.RATIO_5XX, NONE, NONE, NONE, NONE, 0))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("checks.x");
  }
}
