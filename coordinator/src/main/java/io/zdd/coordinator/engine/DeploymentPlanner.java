package io.zdd.coordinator.engine;

import io.zdd.common.model.Validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.PreparedDeployment.PlanMode;
import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Preflight: checks the app definition and options, looks at the group's apps, and prepares green
 * exactly as zdd.py does — colour flip, id suffix, alternating Marathon
 * service port, {@code HAPROXY_0_PORT} = the original port, the deployment labels — except that
 * {@code HAPROXY_DEPLOYMENT_STARTED_AT} is written in UTC with its zone. Pure: it reads the apps
 * it is given and changes nothing.
 */
public final class DeploymentPlanner {
  /** ISO-8601 in UTC with microseconds and the zone, e.g. 2026-11-26T04:51:12.123456Z. */
  static final DateTimeFormatter STARTED_AT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSX")
      .withZone(ZoneOffset.UTC);

  private final Clock clock;

  public DeploymentPlanner(Clock clock) {
    this.clock = clock;
  }

  /**
   * @param app the parsed, validated user definition
   * @param options validated options
   * @param groupApps the apps Marathon lists for the group
   */
  public PreparedDeployment prepare(AppJson app, DeploymentOptions options, List<AppStatus> groupApps) {
    options = resolvePendingMetric(app, options.validate());
    GroupName group = GroupName.of(app.group());
    List<AppStatus> apps = new ArrayList<>(groupApps);
    apps.sort(Comparator.comparing(DeploymentPlanner::startedAt).thenComparing(AppStatus::id));
    if (apps.size() >= 3) {
      throw new ConflictException("group " + group + " holds " + apps.size() + " apps " + ids(apps)
          + "; zdd handles a blue/green pair only — remove the extra apps first");
    }
    if (apps.size() == 2) {
      return prepareExisting(app, options, group, apps.get(1), apps.get(0));
    }
    if (options.completeCur() || options.completePrev()) {
      throw new InvalidInputException(options.completeCur() ? "options.complete_cur" : "options.complete_prev",
          "needs a group holding two apps (a canary); group " + group + " holds " + apps.size());
    }
    if (apps.isEmpty()) {
      return prepareFirst(app, options, group);
    }
    return prepareUpgrade(app, options, group, apps.get(0));
  }

  private PreparedDeployment prepareFirst(AppJson app, DeploymentOptions options, GroupName group) {
    Colour colour = Colour.BLUE;
    int target = app.instances();
    ObjectNode json = greenJson(app, colour, app.servicePort(), target, 0, target);
    AppDefinition def = new AppDefinition(json);
    return new PreparedDeployment(group, PlanMode.FIRST_DEPLOY, Optional.empty(), Optional.empty(), def.id(),
        colour, Optional.of(def), app.servicePort(), target, target, target, options);
  }

  private PreparedDeployment prepareUpgrade(AppJson app, DeploymentOptions options, GroupName group, AppStatus blue) {
    Colour colour = colourOf(blue) == Colour.BLUE ? Colour.GREEN : Colour.BLUE;
    int blueMarathonPort = blue.servicePorts().isEmpty() ? -1 : blue.servicePorts().get(0);
    int marathonPort = app.altPort();
    if (blueMarathonPort == app.altPort()) {
      marathonPort = blue.label(Labels.PORT_0).map(p -> parsePort(p, "blue app label " + Labels.PORT_0))
          .orElse(app.servicePort());
    }
    // zdd.py: the target is the live count of the app being replaced; the JSON's count is ignored.
    int target = blue.instances();
    if (target < 1) {
      throw new ConflictException("app " + blue.id() + " has 0 instances; scale it up or delete it before deploying");
    }
    int canary = Math.min(options.newInstances(), target);
    if (options.newInstances() > 0 && canary >= target) {
      // zdd.py's clamp left the old app at 0 but undeleted; a canary as big as the app is a full deploy.
      canary = 0;
    }
    int initial = canary > 0 ? Math.min(options.initialInstances(), canary) : Math.min(options.initialInstances(), target);
    ObjectNode json = greenJson(app, colour, marathonPort, target, canary, initial);
    AppDefinition def = new AppDefinition(json);
    if (def.id().equals(blue.id())) {
      throw new ConflictException("green id " + def.id() + " equals the running app's id");
    }
    DeploymentOptions resolved = options.toBuilder().newInstances(canary).build();
    return new PreparedDeployment(group, PlanMode.UPGRADE, Optional.of(blue), Optional.empty(), def.id(), colour,
        Optional.of(def), app.servicePort(), target, canary > 0 ? canary : target, initial, resolved);
  }

  private PreparedDeployment prepareExisting(AppJson app, DeploymentOptions options, GroupName group,
      AppStatus current, AppStatus previous) {
    PlanMode mode;
    AppStatus green;
    AppStatus blue;
    if (options.completePrev()) {
      mode = PlanMode.COMPLETE_PREV;
      green = previous;
      blue = current;
    } else if (options.completeCur()) {
      mode = PlanMode.COMPLETE_CUR;
      green = current;
      blue = previous;
    } else if (options.resume()) {
      mode = PlanMode.RESUME;
      green = current;
      blue = previous;
    } else {
      throw new ConflictException("group " + group + " already holds two apps " + ids(List.of(previous, current))
          + " (a deployment in progress or a held canary); use --resume, --complete-cur or --complete-prev");
    }
    int target = target(green);
    int canary = 0;
    if (mode == PlanMode.RESUME) {
      canary = green.label(Labels.NEW_INSTANCES).map(v -> parseInt(v, "app " + green.id() + " label " + Labels.NEW_INSTANCES)).orElse(0);
      canary = canary >= target ? 0 : canary;
    }
    int port = green.label(Labels.PORT_0).map(p -> parsePort(p, "app " + green.id() + " label " + Labels.PORT_0))
        .orElse(app.servicePort());
    DeploymentOptions resolved = options.toBuilder().newInstances(canary).build();
    return new PreparedDeployment(group, mode, Optional.of(blue), Optional.of(green), green.id(), colourOf(green),
        Optional.empty(), port, target, canary > 0 ? canary : target, green.instances(), resolved);
  }

  private ObjectNode greenJson(AppJson app, Colour colour, int marathonPort, int target, int newInstances, int instances) {
    ObjectNode json = app.withServicePort(marathonPort);
    String originalId = app.id();
    String id = (originalId.startsWith("/") ? originalId : "/" + originalId) + "-" + colour.label();
    json.put("id", id);
    json.put("instances", instances);
    ObjectNode labels = (ObjectNode) json.get("labels");
    labels.put(Labels.APP_ID, originalId);
    labels.put(Labels.PORT_0, Integer.toString(app.servicePort()));
    labels.put(Labels.COLOUR, colour.label());
    labels.put(Labels.TARGET_INSTANCES, Integer.toString(target));
    labels.put(Labels.NEW_INSTANCES, Integer.toString(newInstances));
    labels.put(Labels.STARTED_AT, STARTED_AT.format(clock.instant().truncatedTo(ChronoUnit.MICROS)));
    LbGroups.moveIntoOwnLabel(labels);
    return json;
  }

  /** The pending-operations gauge comes from the options, else from the app's ZDD_PENDING_METRIC labels. */
  private static DeploymentOptions resolvePendingMetric(AppJson app, DeploymentOptions options) {
    DeploymentOptions.Builder b = options.toBuilder();
    if (options.pendingMetric().isEmpty()) {
      app.label(Labels.PENDING_METRIC).ifPresent(b::pendingMetric);
    }
    if (options.pendingMetricPath().isEmpty()) {
      b.pendingMetricPath(app.label(Labels.PENDING_METRIC_PATH).orElse("/metrics"));
    }
    if (options.pendingMetricPortIndex().isEmpty()) {
      b.pendingMetricPortIndex(app.label(Labels.PENDING_METRIC_PORT_INDEX).map(v -> Integer.parseInt(v.trim())).orElse(0));
    }
    try {
      return b.build().validate();
    } catch (InvalidInputException e) {
      // A bad value that came from a label is reported as that label, not as an option never typed.
      String reason = e.getMessage().substring(e.field().length() + 2);
      if (options.pendingMetric().isEmpty() && e.field().equals("options.pending_metric")) {
        throw new InvalidInputException("labels." + Labels.PENDING_METRIC, reason);
      }
      if (options.pendingMetricPath().isEmpty() && e.field().equals("options.pending_metric_path")) {
        throw new InvalidInputException("labels." + Labels.PENDING_METRIC_PATH, reason);
      }
      throw e;
    }
  }

  static Colour colourOf(AppStatus app) {
    return "blue".equals(app.label(Labels.COLOUR).orElse("")) ? Colour.BLUE
        : "green".equals(app.label(Labels.COLOUR).orElse("")) ? Colour.GREEN : Colour.NONE;
  }

  /** TARGET label, else the app's instances (zdd.py's target(app)). */
  static int target(AppStatus app) {
    return app.label(Labels.TARGET_INSTANCES).map(v -> parseInt(v, "app " + app.id() + " label " + Labels.TARGET_INSTANCES))
        .orElse(app.instances());
  }

  /**
   * STARTED_AT as an instant: with a zone (what zdd writes), or zone-less local time as zdd.py
   * wrote it (read as UTC); missing or unreadable sorts first, as in marathon-lb.
   */
  static Instant startedAt(AppStatus app) {
    String v = app.label(Labels.STARTED_AT).orElse("");
    if (v.isEmpty()) {
      return Instant.EPOCH;
    }
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(v).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        return Instant.EPOCH;
      }
    }
  }

  private static int parseInt(String v, String what) {
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConflictException(what + " is not a non-negative integer: '" + Validation.printable(v) + "'");
  }

  private static int parsePort(String v, String what) {
    int p = parseInt(v, what);
    if (p < 1 || p > 65535) {
      throw new ConflictException(what + " is not a port: " + p);
    }
    return p;
  }

  private static List<String> ids(List<AppStatus> apps) {
    return apps.stream().map(AppStatus::id).toList();
  }
}
