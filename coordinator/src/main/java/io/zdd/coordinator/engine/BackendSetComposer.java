package io.zdd.coordinator.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ColourFrontend;
import io.zdd.common.model.HealthCheck;
import io.zdd.common.model.ProxyMode;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Computes a group's desired {@link BackendSet} from the deployment record and what Marathon
 * reports. Pure. Rules, in order:
 * <ul>
 *   <li>tasks that serve (running, healthy, with an address) and were not killed are listed, and
 *       so are tasks that had traffic and then turned unhealthy (DRAIN, weight 0);
 *   <li>a task not yet confirmed UP on every LB ({@code admittedTaskIds}) is listed at weight 0, so
 *       it gets no traffic before every LB has checked it;
 *   <li>retired blue tasks are DRAIN at weight 0;
 *   <li>the others get weights by strategy: equal (instance ratio, port swap) or the step's split.
 * </ul>
 * While rolling back (after blue was restored) blue is READY and green is DRAIN at weight 0.
 */
public final class BackendSetComposer {
  /** Weight of every server when all servers are equal; leaves room for finer splits. */
  public static final int DEFAULT_WEIGHT = 100;

  private BackendSetComposer() {}

  /** The result: the set (version filled in by the caller) and the traffic share it gives. */
  public record Composed(BackendSet set, List<TrafficShare> traffic) {}

  public static Composed compose(DeploymentRecord rec, long version, Optional<AppStatus> green,
      Optional<AppStatus> blue) {
    Colour greenColour = rec.greenColour();
    Colour blueColour = greenColour.other();
    boolean rollingBack = rec.phase() == Phase.ROLLBACK && !rec.rollback().is(RollbackStep.RESTORE_BLUE);
    Set<String> admitted = new HashSet<>(rec.admittedTaskIds());
    Set<String> retired = new HashSet<>(rec.retiredTaskIds());
    Set<String> gone = new HashSet<>(rec.killedTaskIds());
    gone.addAll(rec.killingTaskIds());

    List<TaskStatus> greenTasks = serving(green, gone);
    List<TaskStatus> blueTasks = serving(blue, gone);
    List<BackendServer> servers = new ArrayList<>();
    // A task that had traffic and then failed its Marathon health check stays listed, at weight 0
    // in DRAIN, so its connections are still counted and it is never killed unseen.
    for (TaskStatus t : unhealthyAdmitted(blue, gone, admitted)) {
      servers.add(server(t, 0, AdminState.DRAIN, blueColour));
    }
    for (TaskStatus t : unhealthyAdmitted(green, gone, admitted)) {
      servers.add(server(t, 0, AdminState.DRAIN, greenColour));
    }

    // Servers that take load-balanced traffic, by colour; the others are fixed below.
    List<String> greenActive = new ArrayList<>();
    List<String> blueActive = new ArrayList<>();
    for (TaskStatus t : blueTasks) {
      String name = ServerNames.of(t);
      if (!admitted.contains(t.id())) {
        servers.add(server(t, 0, AdminState.READY, blueColour));
      } else if (!rollingBack && retired.contains(t.id())) {
        servers.add(server(t, 0, AdminState.DRAIN, blueColour));
      } else {
        blueActive.add(name);
      }
    }
    for (TaskStatus t : greenTasks) {
      String name = ServerNames.of(t);
      if (rollingBack) {
        servers.add(server(t, 0, AdminState.DRAIN, greenColour));
      } else if (!admitted.contains(t.id())) {
        servers.add(server(t, 0, AdminState.READY, greenColour));
      } else {
        greenActive.add(name);
      }
    }
    Map<String, Integer> weights = weights(rec, rollingBack, greenActive, blueActive);
    for (TaskStatus t : blueTasks) {
      Integer w = weights.get(ServerNames.of(t));
      if (w != null && blueActive.contains(ServerNames.of(t))) {
        servers.add(server(t, w, AdminState.READY, blueColour));
      }
    }
    for (TaskStatus t : greenTasks) {
      Integer w = weights.get(ServerNames.of(t));
      if (w != null && greenActive.contains(ServerNames.of(t))) {
        servers.add(server(t, w, AdminState.READY, greenColour));
      }
    }
    servers.sort((a, b) -> a.name().compareTo(b.name()));

    List<ColourFrontend> frontends = List.of();
    if (rec.options().strategy() == ShiftStrategy.PORT_SWAP) {
      frontends = List.of(new ColourFrontend(Colour.BLUE, rec.options().blueFrontendPort()),
          new ColourFrontend(Colour.GREEN, rec.options().greenFrontendPort()));
    }
    JsonNode greenJson = parse(rec.greenAppJson());
    BackendSet set = new BackendSet(rec.group(), version, rec.servicePort(), mode(greenJson), balance(greenJson),
        healthCheck(greenJson), servers, frontends);
    return new Composed(set, traffic(rec, rollingBack, set, greenColour, blueColour));
  }

  private static Map<String, Integer> weights(DeploymentRecord rec, boolean rollingBack, List<String> green,
      List<String> blue) {
    if (!rollingBack && rec.options().strategy() == ShiftStrategy.WEIGHT_STEPS) {
      int percent = rec.traffic().greenPercent(rec.options().trafficSteps());
      if (rec.firstDeployment() || rec.traffic().complete()) {
        percent = 100;
      }
      return WeightSplit.of(percent, green, blue).weights();
    }
    Map<String, Integer> equal = new HashMap<>();
    green.forEach(n -> equal.put(n, DEFAULT_WEIGHT));
    blue.forEach(n -> equal.put(n, DEFAULT_WEIGHT));
    return equal;
  }

  private static List<TrafficShare> traffic(DeploymentRecord rec, boolean rollingBack, BackendSet set,
      Colour greenColour, Colour blueColour) {
    if (rec.options().strategy() == ShiftStrategy.PORT_SWAP && !rec.firstDeployment()) {
      boolean toGreen = rec.traffic().swapped() && !rollingBack;
      return List.of(new TrafficShare(blueColour, toGreen ? 0 : 100), new TrafficShare(greenColour, toGreen ? 100 : 0));
    }
    long g = 0;
    long b = 0;
    for (BackendServer s : set.servers()) {
      if (s.adminState() != AdminState.READY) {
        continue;
      }
      if (s.colour() == greenColour) {
        g += s.weight();
      } else {
        b += s.weight();
      }
    }
    double gp = g + b == 0 ? 0 : Math.round(10000.0 * g / (g + b)) / 100.0;
    double bp = g + b == 0 ? 0 : Math.round((100.0 - gp) * 100.0) / 100.0;
    return List.of(new TrafficShare(blueColour, bp), new TrafficShare(greenColour, gp));
  }

  private static List<TaskStatus> serving(Optional<AppStatus> app, Set<String> gone) {
    return app.map(a -> a.tasks().stream().filter(TaskStatus::serving).filter(t -> !gone.contains(t.id()))
        .filter(BackendSetComposer::routable).toList()).orElse(List.of());
  }

  /**
   * HAProxy servers added at run time need an IP literal; a task the adapter could not resolve to
   * one (or with a port out of range) cannot be routed to, so it is left out rather than failing
   * the whole set.
   */
  static boolean routable(TaskStatus t) {
    try {
      server(t, 0, AdminState.READY, Colour.NONE);
      return true;
    } catch (io.zdd.common.error.InvalidInputException e) {
      return false;
    }
  }

  private static List<TaskStatus> unhealthyAdmitted(Optional<AppStatus> app, Set<String> gone, Set<String> admitted) {
    return app.map(a -> a.tasks().stream()
        .filter(t -> !t.serving() && admitted.contains(t.id()) && !gone.contains(t.id()))
        .filter(t -> t.address() != null && !t.address().isEmpty() && !t.ports().isEmpty())
        .filter(BackendSetComposer::routable)
        .toList()).orElse(List.of());
  }

  private static BackendServer server(TaskStatus t, int weight, AdminState state, Colour colour) {
    return new BackendServer(ServerNames.of(t), t.address(), t.port(0), weight, state, colour, t.id());
  }

  private static JsonNode parse(String json) {
    try {
      return AppJson.MAPPER.readTree(json.isEmpty() ? "{}" : json);
    } catch (IOException e) {
      return AppJson.MAPPER.createObjectNode();
    }
  }

  /** MLB's HAPROXY_0_MODE label; HTTP unless it says tcp. */
  private static ProxyMode mode(JsonNode app) {
    String m = app.path("labels").path(Labels.MODE_0).asText("http").toLowerCase(Locale.ROOT);
    return m.equals("tcp") ? ProxyMode.TCP : ProxyMode.HTTP;
  }

  /** MLB's HAPROXY_0_BALANCE label when it names a dynamic algorithm, else roundrobin. */
  private static String balance(JsonNode app) {
    String b = app.path("labels").path(Labels.BALANCE_0).asText("roundrobin").toLowerCase(Locale.ROOT);
    return BackendSet.DYNAMIC_BALANCE.contains(b) ? b : "roundrobin";
  }

  /** HAProxy checks mirror the app's first Marathon health check (HTTP path or TCP connect). */
  private static Optional<HealthCheck> healthCheck(JsonNode app) {
    JsonNode hc = app.path("healthChecks").path(0);
    if (hc.isMissingNode()) {
      return Optional.empty();
    }
    int interval = (int) Math.min(3_600_000L, hc.path("intervalSeconds").asLong(0) * 1000L);
    String protocol = hc.path("protocol").asText("HTTP").toUpperCase(Locale.ROOT);
    if (protocol.contains("HTTP")) {
      String path = hc.path("path").asText("/");
      try {
        return Optional.of(new HealthCheck(path.isEmpty() ? "/" : path, interval, 0, 0));
      } catch (RuntimeException e) {
        return Optional.of(new HealthCheck("", interval, 0, 0));
      }
    }
    if (protocol.contains("TCP")) {
      return Optional.of(new HealthCheck("", interval, 0, 0));
    }
    return Optional.empty();
  }
}
