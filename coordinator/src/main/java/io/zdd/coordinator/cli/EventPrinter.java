package io.zdd.coordinator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.coordinator.engine.AppJson;
import io.zdd.proto.v1.AnalysisResult;
import io.zdd.proto.v1.AnalysisStatus;
import io.zdd.proto.v1.Colour;
import io.zdd.proto.v1.Deployment;
import io.zdd.proto.v1.DeploymentEvent;
import io.zdd.proto.v1.EventKind;
import io.zdd.proto.v1.LbDrainProgress;
import io.zdd.proto.v1.PlanResponse;
import io.zdd.proto.v1.TrafficShare;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/**
 * Renders deployment events: a human live view, or one JSON object per line ({@code --json}).
 *
 * <p>Colours are roles everywhere a person reads them, as in the coordinator's messages: blue is
 * the live app (the version serving now), green the new one, each with its Marathon app id beside
 * it. The app's colour label (its id suffix, {@code /web-blue}) alternates between deployments and
 * is never shown as if it were the role.
 */
final class EventPrinter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final int BAR = 20;

  private final PrintWriter out;
  private final boolean json;

  EventPrinter(PrintWriter out, boolean json) {
    this.out = out;
    this.json = json;
  }

  void print(DeploymentEvent e) {
    if (json) {
      out.println(toJson(e));
    } else {
      human(e);
    }
    out.flush();
  }

  private void human(DeploymentEvent e) {
    Deployment d = e.getDeployment();
    String time = TIME.format(Instant.ofEpochMilli(e.getAtUnixMs()));
    if (e.getKind() == EventKind.DRAIN_PROGRESS) {
      out.printf("%s  %-13s draining%n", time, d.getPhase());
      for (LbDrainProgress p : d.getDrainList()) {
        out.printf("           %-16s %s %d/%d servers drained, %d connection%s left%n", p.getAgentId(),
            bar(p.getServersDrained(), p.getServersTotal()), p.getServersDrained(), p.getServersTotal(),
            p.getConnections(), p.getConnections() == 1 ? "" : "s");
      }
      return;
    }
    out.printf("%s  %-13s %-22s %s%n", time, d.getPhase(), traffic(d), e.getMessage());
    if (!e.getTaskIdsList().isEmpty()) {
      out.printf("           killed: %s%n", String.join(", ", e.getTaskIdsList()));
    }
    for (AnalysisResult r : e.getAnalysisList()) {
      out.printf("           %-12s %-16s %s%n", r.getVerdict().toUpperCase(Locale.ROOT),
          r.getCheck() + (r.getLb().isEmpty() ? "" : "@" + r.getLb()), r.getDetail());
    }
  }

  /** Live first, then new: {@code blue (/web-green) 90%  green (/web-blue) 10%}. */
  static String traffic(Deployment d) {
    if (d.getTrafficCount() == 0) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (boolean green : new boolean[] {false, true}) {
      for (TrafficShare t : d.getTrafficList()) {
        if (isGreen(d, t.getColour()) == green) {
          String app = green ? d.getGreenAppId() : d.getBlueAppId();
          sb.append(role(d, t.getColour()));
          if (!app.isEmpty()) {
            sb.append(" (").append(app).append(')');
          }
          sb.append(' ').append(String.format(Locale.ROOT, "%.0f%%", t.getPercent())).append("  ");
        }
      }
    }
    return sb.toString().trim();
  }

  /** The role of the app carrying colour label {@code c}: green when it is the new app's label. */
  static String role(Deployment d, Colour c) {
    return isGreen(d, c) ? "green" : "blue";
  }

  private static boolean isGreen(Deployment d, Colour c) {
    return c == d.getGreenColour();
  }

  /** Started to finished (or until now while running); empty without a start time. */
  static Optional<Duration> duration(Deployment d) {
    if (d.getStartedAtUnixMs() == 0) {
      return Optional.empty();
    }
    long end = d.getFinishedAtUnixMs() == 0 ? System.currentTimeMillis() : d.getFinishedAtUnixMs();
    return Optional.of(Duration.ofMillis(Math.max(0, end - d.getStartedAtUnixMs())));
  }

  static String bar(int done, int total) {
    int filled = total == 0 ? BAR : (int) Math.round((double) done / total * BAR);
    return "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "]";
  }

  static ObjectNode deploymentJson(Deployment d) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", d.getId());
    n.put("group", d.getGroup());
    n.put("phase", d.getPhase().name());
    n.put("outcome", d.getOutcome().name());
    n.put("paused", d.getPaused());
    n.put("blue_app_id", d.getBlueAppId());
    n.put("green_app_id", d.getGreenAppId());
    n.put("epoch", d.getEpoch());
    n.put("started_at", d.getStartedAtUnixMs() == 0 ? null : Instant.ofEpochMilli(d.getStartedAtUnixMs()).toString());
    n.put("finished_at", d.getFinishedAtUnixMs() == 0 ? null : Instant.ofEpochMilli(d.getFinishedAtUnixMs()).toString());
    if (d.getFinishedAtUnixMs() != 0) {
      duration(d).ifPresent(x -> n.put("duration_ms", x.toMillis()));
    }
    n.put("message", d.getMessage());
    // Keyed by role (blue = live, green = new), as in the live view; the app ids are above.
    ObjectNode traffic = n.putObject("traffic");
    d.getTrafficList().forEach(t -> traffic.put(role(d, t.getColour()), t.getPercent()));
    ArrayNode drain = n.putArray("drain");
    d.getDrainList().forEach(p -> drain.addObject()
        .put("lb", p.getAgentId())
        .put("servers_total", p.getServersTotal())
        .put("servers_drained", p.getServersDrained())
        .put("connections", p.getConnections()));
    n.put("requested_by", d.getOptions().getRequestedBy());
    if (d.hasAnalysis()) {
      AnalysisStatus a = d.getAnalysis();
      n.putObject("analysis").put("template", a.getTemplate()).put("step", a.getStep()).put("result", a.getResult())
          .put("measurements", a.getMeasurements()).put("failures", a.getFailures()).put("inconclusives", a.getInconclusives())
          .put("summary", a.getSummary());
    }
    ArrayNode audit = n.putArray("audit");
    d.getAuditList().forEach(audit::add);
    return n;
  }

  static ObjectNode lintJson(String file, AppJson app) {
    ObjectNode n = JSON.createObjectNode();
    n.put("ok", true);
    n.put("file", file);
    n.put("app_id", app.id());
    n.put("group", app.group());
    n.put("service_port", app.servicePort());
    n.put("alt_port", app.altPort());
    n.put("instances", app.instances());
    return n;
  }

  static ObjectNode lintJson(String file, String field, String error) {
    ObjectNode n = JSON.createObjectNode();
    n.put("ok", false);
    n.put("file", file);
    n.put("field", field);
    n.put("error", error);
    return n;
  }

  static ObjectNode planJson(PlanResponse p) {
    ObjectNode n = JSON.createObjectNode();
    n.set("deployment", deploymentJson(p.getDeployment()));
    ArrayNode calls = n.putArray("marathon_calls");
    p.getMarathonCallsList().forEach(c -> calls.addObject().put("method", c.getMethod()).put("path", c.getPath())
        .put("purpose", c.getPurpose()));
    ArrayNode lbs = n.putArray("lb_changes");
    p.getLbChangesList().forEach(lb -> {
      ArrayNode changes = lbs.addObject().put("lb", lb.getAgentId()).putArray("changes");
      lb.getChangesList().forEach(changes::add);
    });
    ArrayNode gates = n.putArray("gates");
    p.getGatesList().forEach(gates::add);
    n.put("green_app_json", p.getGreenAppJson());
    return n;
  }

  static String toJson(DeploymentEvent e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("sequence", e.getSequence());
    n.put("at", Instant.ofEpochMilli(e.getAtUnixMs()).toString());
    n.put("kind", e.getKind().name());
    n.put("message", e.getMessage());
    ArrayNode ids = n.putArray("task_ids");
    e.getTaskIdsList().forEach(ids::add);
    ArrayNode analysis = n.putArray("analysis");
    e.getAnalysisList().forEach(r -> {
      ObjectNode one = analysis.addObject().put("check", r.getCheck()).put("lb", r.getLb()).put("verdict", r.getVerdict())
          .put("detail", r.getDetail());
      if (Double.isFinite(r.getValue())) {
        one.put("value", r.getValue());
      } else {
        one.putNull("value");
      }
    });
    n.set("deployment", deploymentJson(e.getDeployment()));
    return n.toString();
  }
}
