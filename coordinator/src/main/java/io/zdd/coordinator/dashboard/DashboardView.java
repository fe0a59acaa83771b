package io.zdd.coordinator.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentStateView;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import io.zdd.common.model.ServerConnections;
import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.admin.DeploymentQueries;
import io.zdd.coordinator.admin.OperatorControls;
import io.zdd.coordinator.engine.Control;
import io.zdd.coordinator.engine.ControlAvailability;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Labels;
import io.zdd.coordinator.engine.Outcome;
import io.zdd.coordinator.engine.ServerNames;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.TaskStatus;
import io.zdd.coordinator.fleet.AgentFleet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The dashboard's JSON: deployment groups, deployments, agents. A deployment carries the same
 * figures as {@code zdd status --json} under the same names (both come from
 * {@link DeploymentQueries}), plus what only a page needs: each app's role (blue = the live,
 * serving app; green = the new one) beside its Marathon app id and colour label, per-LB traffic
 * shares and per-server connections, and a timeline.
 */
final class DashboardView {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DeploymentQueries queries;
  private final OperatorControls controls;
  private final AgentFleet fleet;
  private final Snapshots snapshots;
  private final Supplier<Optional<String>> leaderAddress;
  private final Supplier<Boolean> leading;
  private final String self;
  private final Clock clock;

  DashboardView(DeploymentQueries queries, OperatorControls controls, AgentFleet fleet, Snapshots snapshots,
      Supplier<Optional<String>> leaderAddress, Supplier<Boolean> leading, String self, Clock clock) {
    this.queries = queries;
    this.controls = controls;
    this.fleet = fleet;
    this.snapshots = snapshots;
    this.leaderAddress = leaderAddress;
    this.leading = leading;
    this.self = self;
    this.clock = clock;
  }

  /** Who serves this page, who leads, and who is signed in. */
  ObjectNode overview(Optional<DashboardLogins.Session> session) {
    ObjectNode n = JSON.createObjectNode();
    n.put("coordinator", self);
    n.put("leader", leading.get());
    n.put("leader_address", leaderAddress.get().orElse(""));
    n.put("now", clock.instant().toString());
    if (session.isPresent()) {
      n.put("operator", session.get().identity().toString());
      n.put("session_expires_at", session.get().expiresAt().toString());
    } else {
      n.putNull("operator");
    }
    return n;
  }

  ObjectNode groups() {
    ObjectNode n = JSON.createObjectNode();
    ArrayNode out = n.putArray("groups");
    for (DeploymentRecord r : queries.groups()) {
      ObjectNode g = out.addObject();
      g.put("group", r.group().value());
      g.put("deployment", r.id());
      g.put("running", r.running());
      ArrayNode apps = g.putArray("apps");
      for (AppStatus a : snapshots.apps(r.group().value())) {
        ObjectNode app = apps.addObject();
        app.put("id", a.id());
        app.put("role", role(r, a.id()));
        app.put("colour", a.label(Labels.COLOUR).orElse(""));
        app.put("instances", a.instances());
        app.put("serving", a.tasks().stream().filter(TaskStatus::serving).count());
        app.put("version", version(a));
      }
    }
    return n;
  }

  ObjectNode deployments() {
    ObjectNode n = JSON.createObjectNode();
    ArrayNode running = n.putArray("running");
    ArrayNode history = n.putArray("history");
    for (DeploymentRecord r : queries.list(true)) {
      (r.running() ? running : history).add(summary(queries.view(r)));
    }
    return n;
  }

  /** One deployment in full; {@code viewer} decides which controls are offered. */
  ObjectNode deployment(String id, Optional<SpiffeId> viewer) {
    DeploymentQueries.View v = queries.view(queries.find(id));
    DeploymentRecord r = v.record();
    ObjectNode n = summary(v);
    ObjectNode offered = n.putObject("controls");
    for (Control c : Control.values()) {
      offered.put(c.verb(), viewer.isPresent() && leading.get() && r.running() && ControlAvailability.applies(c, r)
          && controls.mayControl(viewer.get(), r));
    }
    n.put("message", r.message());
    n.put("requested_by", r.options() == null ? "" : r.options().requestedBy());
    ArrayNode audit = n.putArray("audit");
    r.audit().forEach(audit::add);
    ArrayNode pending = n.putArray("pending_controls");
    r.controls().pending().forEach(p -> pending.add(p.toString()));
    if (r.running()) {
      lbs(n.putArray("lbs"), r);
    }
    List<DeploymentEvent> events = queries.events(r.id());
    ArrayNode ev = n.putArray("events");
    events.stream().filter(e -> e.kind() != EventKind.DRAIN_PROGRESS).forEach(e -> ev.add(event(e)));
    n.set("timeline", timeline(r, events));
    return n;
  }

  /** The fields {@code zdd status --json} prints, under its names, plus roles and times. */
  ObjectNode summary(DeploymentQueries.View v) {
    DeploymentRecord r = v.record();
    ObjectNode n = JSON.createObjectNode();
    n.put("id", r.id());
    n.put("group", r.group().value());
    n.put("phase", r.phase().name());
    n.put("outcome", outcome(r.outcome()));
    n.put("running", r.running());
    // As the admin API reports it: a deployment held for promote counts as paused.
    n.put("paused", r.paused() || r.traffic().awaitingPromote());
    n.put("blue_app_id", r.blueAppId());
    n.put("green_app_id", r.greenAppId());
    n.put("epoch", r.epoch());
    n.put("started_at", r.startedAt() == null ? "" : r.startedAt().toString());
    n.put("finished_at", r.finishedAt() == null ? "" : r.finishedAt().toString());
    Instant end = r.finishedAt() == null ? clock.instant() : r.finishedAt();
    n.put("duration_ms", r.startedAt() == null ? 0 : Math.max(0, Duration.between(r.startedAt(), end).toMillis()));
    ObjectNode traffic = n.putObject("traffic");
    ArrayNode drain = n.putArray("drain");
    v.latest().ifPresent(e -> {
      e.traffic().forEach(t -> traffic.put(t.colour().label(), t.percent()));
      e.drain().forEach(p -> drain.addObject()
          .put("lb", p.agent().value())
          .put("servers_total", p.serversTotal())
          .put("servers_drained", p.serversDrained())
          .put("connections", p.connections()));
    });
    Colour green = r.greenColour() == null ? Colour.NONE : r.greenColour();
    ObjectNode roles = n.putObject("roles");
    if (!r.blueAppId().isEmpty()) {
      roles.putObject("live").put("app", r.blueAppId()).put("colour", green.other().label())
          .put("share", traffic.path(green.other().label()).asDouble(r.running() ? 100 : 0));
    }
    roles.putObject("new").put("app", r.greenAppId()).put("colour", green.label())
        .put("share", traffic.path(green.label()).asDouble(0));
    return n;
  }

  /** Per LB holding the group: traffic share by role (weights HAProxy reports) and per-server connections. */
  private void lbs(ArrayNode out, DeploymentRecord r) {
    String group = r.group().value();
    Map<String, String> roleOfServer = new HashMap<>();
    for (AppStatus a : snapshots.apps(group)) {
      String role = role(r, a.id());
      a.tasks().forEach(t -> roleOfServer.put(ServerNames.of(t), role));
    }
    fleet.members().stream().sorted(Comparator.comparing(m -> m.endpoint().id())).forEach(m -> {
      Optional<ConnectionSample> sample = m.subscription().latest();
      List<ServerConnections> servers = sample.map(s -> s.servers().stream()
          .filter(c -> c.group().value().equals(group)).toList()).orElse(List.of());
      if (servers.isEmpty() && !m.endpoint().holds(group)) {
        return;
      }
      ObjectNode lb = out.addObject();
      lb.put("lb", m.endpoint().id().value());
      lb.put("connected", m.subscription().connected());
      Optional<ObservedBackend> observed = snapshots.agent(m.endpoint().id().value())
          .flatMap(s -> s.backends().stream().filter(b -> b.group().value().equals(group)).findFirst());
      ObjectNode share = lb.putObject("share");
      observed.ifPresent(b -> {
        Map<String, Integer> weights = new HashMap<>();
        int total = 0;
        for (ObservedServer s : b.servers()) {
          if (s.adminState() == AdminState.READY && s.weight() > 0) {
            weights.merge(roleOfServer.getOrDefault(s.name(), "unknown"), s.weight(), Integer::sum);
            total += s.weight();
          }
        }
        for (Map.Entry<String, Integer> w : weights.entrySet()) {
          share.put(w.getKey(), total == 0 ? 0 : Math.round(1000.0 * w.getValue() / total) / 10.0);
        }
      });
      ArrayNode list = lb.putArray("servers");
      servers.stream().sorted(Comparator.comparing(ServerConnections::server)).forEach(c -> list.addObject()
          .put("server", c.server())
          .put("role", roleOfServer.getOrDefault(c.server(), "unknown"))
          .put("connections", c.scur())
          .put("queued", c.qcur())
          .put("status", c.status())
          .put("admin_state", c.adminState().name()));
    });
  }

  ObjectNode agents() {
    ObjectNode n = JSON.createObjectNode();
    n.put("leader_address", leaderAddress.get().orElse(""));
    ArrayNode out = n.putArray("agents");
    Instant now = clock.instant();
    fleet.members().stream().sorted(Comparator.comparing(m -> m.endpoint().id())).forEach(m -> {
      ObjectNode a = out.addObject();
      a.put("agent_id", m.endpoint().id().value());
      a.put("address", m.endpoint().address());
      a.put("connected", m.subscription().connected());
      a.put("haproxy_version", m.endpoint().haproxyVersion());
      ArrayNode groups = a.putArray("groups");
      m.endpoint().groups().forEach(groups::add);
      ArrayNode lbGroups = a.putArray("lb_groups");
      m.endpoint().lbGroups().forEach(lbGroups::add);
      Optional<AgentStateView> state = snapshots.agent(m.endpoint().id().value());
      if (state.isPresent()) {
        a.put("epoch", state.get().highestEpoch().value());
      } else {
        a.putNull("epoch");
      }
      Optional<Instant> sampled = m.subscription().latest().map(ConnectionSample::sampledAt);
      if (sampled.isPresent()) {
        a.put("last_sample_age_ms", Math.max(0, Duration.between(sampled.get(), now).toMillis()));
      } else {
        a.putNull("last_sample_age_ms");
      }
    });
    return n;
  }

  static ObjectNode event(DeploymentEvent e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("sequence", e.sequence());
    n.put("at", e.at().toString());
    n.put("kind", e.kind().name());
    n.put("message", e.message());
    n.put("phase", e.deployment().phase().name());
    return n;
  }

  /**
   * Points in time where the deployment changed: its start, every phase and traffic change this
   * coordinator logged (the leader that drove it), and its end. Without logged events (a standby,
   * or a deployment older than this process) the record's start, current phase and end remain.
   */
  private ArrayNode timeline(DeploymentRecord r, List<DeploymentEvent> events) {
    ArrayNode out = JSON.createArrayNode();
    if (r.startedAt() != null) {
      out.addObject().put("at", r.startedAt().toString()).put("phase", "PREFLIGHT").put("new_share", 0);
    }
    Colour green = r.greenColour() == null ? Colour.NONE : r.greenColour();
    for (DeploymentEvent e : events) {
      if (e.kind() == EventKind.PHASE_CHANGED || e.kind() == EventKind.TRAFFIC_SHIFTED || e.kind() == EventKind.FINISHED) {
        double share = e.traffic().stream().filter(t -> t.colour() == green).mapToDouble(t -> t.percent()).findFirst()
            .orElse(0);
        out.addObject().put("at", e.at().toString()).put("phase", e.deployment().phase().name()).put("new_share", share);
      }
    }
    if (events.isEmpty() && r.phaseStartedAt() != null) {
      out.addObject().put("at", r.phaseStartedAt().toString()).put("phase", r.phase().name())
          .put("new_share", r.outcome() == Outcome.SUCCEEDED ? 100 : 0);
    }
    if (r.finishedAt() != null && events.stream().noneMatch(e -> e.kind() == EventKind.FINISHED)) {
      out.addObject().put("at", r.finishedAt().toString()).put("phase", "DONE")
          .put("new_share", r.outcome() == Outcome.SUCCEEDED ? 100 : 0);
    }
    return out;
  }

  /** The role of a Marathon app in the group's deployment: the serving app is "live", the one coming in "new". */
  static String role(DeploymentRecord r, String appId) {
    if (r.running()) {
      return appId.equals(r.greenAppId()) ? "new" : appId.equals(r.blueAppId()) ? "live" : "other";
    }
    String live = r.outcome() == Outcome.SUCCEEDED ? r.greenAppId() : r.blueAppId();
    return appId.equals(live) ? "live" : "other";
  }

  /** The outcome as {@code zdd status --json} names it (the admin API's enum). */
  static String outcome(Outcome o) {
    return switch (o) {
      case RUNNING -> "OUTCOME_UNSPECIFIED";
      case SUCCEEDED -> "SUCCEEDED";
      case ROLLED_BACK -> "ROLLED_BACK";
      case FAILED -> "FAILED";
    };
  }

  /**
   * What tells an app's version apart: its Docker image when it has one, else the first
   * environment variable whose name ends in VERSION, else Marathon's version timestamp.
   */
  static String version(AppStatus a) {
    String image = a.json().path("container").path("docker").path("image").asText("");
    if (!image.isEmpty()) {
      return image;
    }
    var fields = a.json().path("env").fields();
    while (fields.hasNext()) {
      var f = fields.next();
      if (f.getKey().toUpperCase(Locale.ROOT).endsWith("VERSION") && f.getValue().isTextual()) {
        return f.getValue().asText();
      }
    }
    return a.json().path("version").asText("");
  }
}
