package io.zdd.deploy.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A made-up but demo-shaped run: three LBs, v1 on blue, v2 switched to green as blue/green, v3
 * as a canary to blue at 10/50/100 %, with the drains showing as connections falling to 0.
 */
final class SyntheticTimeline {
  static final List<String> LBS = List.of("lb-1", "lb-2", "lb-3");

  private SyntheticTimeline() {}

  static DemoTimeline demo(long failedAt40) {
    List<DemoTimeline.Sample> samples = new ArrayList<>();
    long ok = 0;
    long failed = 0;
    for (int t = 1; t <= 90; t++) {
      double green = t < 18 ? 0 : t < 22 ? (t - 17) * 25 : t < 55 ? 100 : t < 62 ? 90 : t < 70 ? 50 : t < 74 ? 0 : 0;
      Map<String, Double> share = new LinkedHashMap<>();
      share.put("blue", 100 - green);
      share.put("green", green);
      Map<String, Map<String, Long>> conns = new LinkedHashMap<>();
      for (int lb = 0; lb < LBS.size(); lb++) {
        Map<String, Long> servers = new LinkedHashMap<>();
        long per = 6 + lb;
        boolean v1Alive = t < 34;
        boolean greenAlive = t >= 12 && t < 84;
        boolean v3Alive = t >= 52;
        for (int i = 1; i <= 3; i++) {
          if (v1Alive) {
            long c = t < 18 ? per : t < 28 ? Math.max(0, per - (t - 17) - i) : 0;
            servers.put("v1-blue-" + i, c);
          }
          if (greenAlive) {
            long c = t < 18 ? 0 : t < 62 ? per
                : t < 76 ? Math.round(per * (100 - (t < 70 ? 50 : 100 - 0.0)) / 100.0)
                : Math.max(0, 3 - (t - 76) / 2 - i + 1);
            servers.put("v2-green-" + i, c);
          }
          if (v3Alive) {
            servers.put("v3-blue-" + i, t < 55 ? 0 : t < 62 ? 1 : t < 70 ? per / 2 : per);
          }
        }
        conns.put(LBS.get(lb), servers);
      }
      long okNow = 1150 + (t % 7) * 9;
      long failedNow = t == 40 ? failedAt40 : 0;
      ok += okNow;
      failed += failedNow;
      samples.add(new DemoTimeline.Sample(t, okNow, failedNow, share, conns));
    }
    List<DemoTimeline.PhaseMarker> markers = new ArrayList<>();
    String bg = "v2 blue/green";
    String canary = "v3 canary 10,50,100";
    double[] bgTimes = {10, 11, 12, 17, 22, 30, 34};
    double[] canaryTimes = {50, 51, 52, 55, 74, 82, 86};
    String[] phases = {"PREFLIGHT", "CREATE_GREEN", "SCALE_GREEN", "SHIFT_TRAFFIC", "DRAIN_BLUE", "KILL_BLUE", "DONE"};
    for (int i = 0; i < phases.length; i++) {
      markers.add(new DemoTimeline.PhaseMarker(bgTimes[i], bg, phases[i]));
    }
    for (int i = 0; i < phases.length; i++) {
      markers.add(new DemoTimeline.PhaseMarker(canaryTimes[i], canary, phases[i]));
    }
    // The leader was replaced during the first deployment's drain (as with bin/zdd demo --kill-leader).
    markers.add(new DemoTimeline.PhaseMarker(25, bg, "new leader (epoch 2)"));
    markers.sort((a, b) -> Double.compare(a.t(), b.t()));
    List<DemoTimeline.DeploymentSummary> deployments = List.of(
        new DemoTimeline.DeploymentSummary(bg, "succeeded", 24.5, drain(7.9, 8.4, 9.1)),
        new DemoTimeline.DeploymentSummary(canary, "succeeded", 36.2, drain(5.2, 6.0, 5.7)));
    return new DemoTimeline("zdd demo: 3 LBs, blue/green then canary", Instant.parse("2026-11-26T05:00:00Z"),
        samples, markers, deployments, new DemoTimeline.Totals(ok + failed, failed, (ok + failed) / 90.0));
  }

  private static Map<String, Double> drain(double... seconds) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < seconds.length; i++) {
      m.put(LBS.get(i), seconds[i]);
    }
    return m;
  }
}
