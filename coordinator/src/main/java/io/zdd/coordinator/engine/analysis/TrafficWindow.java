package io.zdd.coordinator.engine.analysis;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ServerTraffic;
import io.zdd.common.model.TrafficReading;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pure: the traffic each LB saw per colour between two readings of the agents' counters. A
 * counter that went down was reset (a worker exited, HAProxy restarted): as Prometheus does, the
 * whole new value counts as the window's. A server first seen in the later reading counts from
 * zero; an agent missing from either reading is left out (its LB has no window this time).
 *
 * @param perLb each LB's traffic by colour, by agent id, in id order
 */
public record TrafficWindow(Map<String, Map<Colour, ColourTraffic>> perLb) {
  public TrafficWindow {
    perLb = Collections.unmodifiableMap(new TreeMap<>(perLb));
  }

  public static TrafficWindow between(Map<AgentId, TrafficReading> before, Map<AgentId, TrafficReading> after, String group) {
    Map<String, Map<Colour, ColourTraffic>> out = new TreeMap<>();
    after.forEach((agent, reading) -> {
      TrafficReading earlier = before.get(agent);
      if (earlier == null) {
        return;
      }
      Map<String, ServerTraffic> old = new HashMap<>();
      earlier.servers().stream().filter(s -> s.group().equals(group)).forEach(s -> old.put(s.server(), s));
      Map<Colour, ColourTraffic> byColour = new EnumMap<>(Colour.class);
      reading.servers().stream().filter(s -> s.group().equals(group)).forEach(s -> byColour.merge(s.colour(),
          delta(old.get(s.server()), s), ColourTraffic::plus));
      out.put(agent.value(), byColour);
    });
    return new TrafficWindow(out);
  }

  /** One colour's traffic summed over every LB in the window. */
  public ColourTraffic total(Colour colour) {
    return perLb.values().stream().map(m -> m.getOrDefault(colour, ColourTraffic.NONE))
        .reduce(ColourTraffic.NONE, ColourTraffic::plus);
  }

  public ColourTraffic on(String lb, Colour colour) {
    return perLb.getOrDefault(lb, Map.of()).getOrDefault(colour, ColourTraffic.NONE);
  }

  static ColourTraffic delta(ServerTraffic before, ServerTraffic now) {
    long r1 = d(before == null ? 0 : before.responses1xx(), now.responses1xx());
    long r2 = d(before == null ? 0 : before.responses2xx(), now.responses2xx());
    long r3 = d(before == null ? 0 : before.responses3xx(), now.responses3xx());
    long r4 = d(before == null ? 0 : before.responses4xx(), now.responses4xx());
    long r5 = d(before == null ? 0 : before.responses5xx(), now.responses5xx());
    long ro = d(before == null ? 0 : before.responsesOther(), now.responsesOther());
    long responses = r1 + r2 + r3 + r4 + r5 + ro;
    return new ColourTraffic(r1, r2, r3, r4, r5, ro,
        d(before == null ? 0 : before.connectionErrors(), now.connectionErrors()),
        d(before == null ? 0 : before.responseErrors(), now.responseErrors()),
        d(before == null ? 0 : before.retries(), now.retries()),
        d(before == null ? 0 : before.redispatches(), now.redispatches()),
        (double) now.avgResponseMs() * responses, (double) now.avgTotalMs() * responses);
  }

  private static long d(long before, long now) {
    return now >= before ? now - before : now;
  }
}
