package io.zdd.coordinator.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-server HAProxy weights that give green a requested share of new traffic. Every LB gets the
 * same servers and weights, so the share holds on every LB. Each colour's total is an exact
 * multiple of the requested percentage; within a colour the total is spread with largest-remainder
 * rounding (the first servers in name order get the extra unit), so weights differ by at most 1.
 *
 * @param weights server name to weight, for every server given
 * @param effectiveGreenPercent green's share the weights really give
 */
public record WeightSplit(Map<String, Integer> weights, double effectiveGreenPercent) {
  /** Highest weight HAProxy accepts. */
  public static final int MAX_WEIGHT = 256;

  public WeightSplit {
    weights = Map.copyOf(weights);
  }

  public static WeightSplit of(int greenPercent, List<String> greenServers, List<String> blueServers) {
    if (greenPercent < 0 || greenPercent > 100) {
      throw new IllegalArgumentException("percent out of range: " + greenPercent);
    }
    List<String> green = new ArrayList<>(greenServers);
    List<String> blue = new ArrayList<>(blueServers);
    green.sort(null);
    blue.sort(null);
    int g = green.size();
    int b = blue.size();
    int greenShare = g == 0 ? 0 : greenPercent;
    int blueShare = b == 0 ? 0 : 100 - greenPercent;
    if (g == 0 && b > 0) {
      blueShare = 100;
    } else if (b == 0 && g > 0) {
      greenShare = 100;
    }
    // Largest k with every per-server weight (ceil of the colour's total / its servers) <= 256.
    int k = 1;
    for (int candidate = 1; candidate <= 100_000; candidate++) {
      if (fits(greenShare * candidate, g) && fits(blueShare * candidate, b)) {
        k = candidate;
      } else {
        break;
      }
    }
    Map<String, Integer> out = new TreeMap<>();
    spread(greenShare * k, green, out);
    spread(blueShare * k, blue, out);
    long greenTotal = green.stream().mapToLong(out::get).sum();
    long blueTotal = blue.stream().mapToLong(out::get).sum();
    double effective = greenTotal + blueTotal == 0 ? 0.0 : 100.0 * greenTotal / (greenTotal + blueTotal);
    return new WeightSplit(out, Math.round(effective * 100.0) / 100.0);
  }

  private static boolean fits(int total, int servers) {
    return servers == 0 || (total + servers - 1) / servers <= MAX_WEIGHT;
  }

  private static void spread(int total, List<String> servers, Map<String, Integer> out) {
    if (servers.isEmpty()) {
      return;
    }
    int base = total / servers.size();
    int remainder = total % servers.size();
    for (int i = 0; i < servers.size(); i++) {
      out.put(servers.get(i), base + (i < remainder ? 1 : 0));
    }
  }
}
