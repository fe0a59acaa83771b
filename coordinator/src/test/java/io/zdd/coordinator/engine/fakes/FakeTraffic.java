package io.zdd.coordinator.engine.fakes;

import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ServerTraffic;
import io.zdd.common.model.TrafficReading;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HAProxy's traffic counters on one fake LB, as the agent's ReadTraffic would report them: between
 * two readings, {@code requestsPerSecond} are spread over the READY servers by weight, and of each
 * colour's the fraction {@link #errorRate} answer 5xx. Counters are cumulative per server, so a
 * window is a difference of readings, as on a real LB.
 */
public final class FakeTraffic {
  public double requestsPerSecond = 100;
  /** Fraction of 5xx answers per colour label; absent is 0. */
  public final Map<Colour, Double> errorRate = new EnumMap<>(Colour.class);
  /** Average response time per colour label, ms. */
  public final Map<Colour, Long> responseMs = new EnumMap<>(Colour.class);
  private final Map<String, double[]> counters = new HashMap<>();
  private Instant last;

  /** Advances the counters to {@code now} under {@code applied} and reads them. */
  public TrafficReading read(AgentId agent, BackendSet applied, Instant now) {
    if (last != null && applied != null) {
      double seconds = Duration.between(last, now).toMillis() / 1000.0;
      int total = applied.servers().stream().filter(s -> s.adminState() == AdminState.READY).mapToInt(BackendServer::weight).sum();
      for (BackendServer s : applied.servers()) {
        if (s.adminState() != AdminState.READY || total == 0) {
          continue;
        }
        double requests = requestsPerSecond * seconds * s.weight() / total;
        double errors = requests * errorRate.getOrDefault(s.colour(), 0.0);
        double[] c = counters.computeIfAbsent(s.name(), k -> new double[2]);
        c[0] += requests - errors;
        c[1] += errors;
      }
    }
    last = now;
    List<ServerTraffic> servers = applied == null ? List.of() : applied.servers().stream().map(s -> {
      double[] c = counters.getOrDefault(s.name(), new double[2]);
      long ms = responseMs.getOrDefault(s.colour(), 10L);
      return new ServerTraffic(applied.group().value(), s.name(), s.colour(), s.taskId(), 0, (long) c[0], 0, 0, (long) c[1], 0,
          0, 0, 0, 0, (long) (c[0] + c[1]), ms, ms);
    }).toList();
    return new TrafficReading(agent, now, servers);
  }
}
