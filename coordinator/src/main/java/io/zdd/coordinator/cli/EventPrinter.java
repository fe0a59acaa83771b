package io.zdd.coordinator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.proto.v1.Deployment;
import io.zdd.proto.v1.DeploymentEvent;
import io.zdd.proto.v1.EventKind;
import io.zdd.proto.v1.LbDrainProgress;
import io.zdd.proto.v1.TrafficShare;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Renders deployment events: a human live view, or one JSON object per line ({@code --json}). */
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
  }

  static String traffic(Deployment d) {
    if (d.getTrafficCount() == 0) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (TrafficShare t : d.getTrafficList()) {
      sb.append(t.getColour().name().toLowerCase(Locale.ROOT)).append(' ')
          .append(String.format(Locale.ROOT, "%.0f%%", t.getPercent())).append("  ");
    }
    return sb.toString().trim();
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
    n.put("message", d.getMessage());
    ObjectNode traffic = n.putObject("traffic");
    d.getTrafficList().forEach(t -> traffic.put(t.getColour().name().toLowerCase(Locale.ROOT), t.getPercent()));
    ArrayNode drain = n.putArray("drain");
    d.getDrainList().forEach(p -> drain.addObject()
        .put("lb", p.getAgentId())
        .put("servers_total", p.getServersTotal())
        .put("servers_drained", p.getServersDrained())
        .put("connections", p.getConnections()));
    n.put("requested_by", d.getOptions().getRequestedBy());
    ArrayNode audit = n.putArray("audit");
    d.getAuditList().forEach(audit::add);
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
    n.set("deployment", deploymentJson(e.getDeployment()));
    return n.toString();
  }
}
