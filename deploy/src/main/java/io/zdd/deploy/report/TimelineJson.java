package io.zdd.deploy.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@link DemoTimeline} as JSON, with snake_case fields ({@code failed_requests},
 * {@code duration_s}, {@code drain_s}) so that a deployment summary reads the same as
 * {@code bin/zdd demo --json}. Written field by field rather than by reflection so the format
 * stays put when the records grow, and so a bad file names the field that is wrong.
 */
public final class TimelineJson {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private TimelineJson() {}

  public static String write(DemoTimeline timeline) {
    try {
      return JSON.writeValueAsString(toJson(timeline));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree could not be written", e);
    }
  }

  public static void write(DemoTimeline timeline, Path file) throws IOException {
    Files.writeString(file, write(timeline), StandardCharsets.UTF_8);
  }

  public static DemoTimeline read(Path file) throws IOException {
    return read(Files.readString(file, StandardCharsets.UTF_8));
  }

  public static DemoTimeline read(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("timeline", "is not JSON: " + e.getOriginalMessage());
    }
    return fromJson(root);
  }

  public static ObjectNode toJson(DemoTimeline t) {
    ObjectNode root = JSON.createObjectNode();
    root.put("title", t.title());
    root.put("started_at", t.startedAt().toString());
    ArrayNode samples = root.putArray("samples");
    for (DemoTimeline.Sample s : t.samples()) {
      ObjectNode n = samples.addObject();
      n.put("t", s.t());
      n.put("requests_ok", s.requestsOk());
      n.put("requests_failed", s.requestsFailed());
      ObjectNode share = n.putObject("traffic_share");
      s.trafficShare().forEach(share::put);
      ObjectNode lbs = n.putObject("connections");
      s.connections().forEach((lb, servers) -> {
        ObjectNode perServer = lbs.putObject(lb);
        servers.forEach(perServer::put);
      });
    }
    ArrayNode markers = root.putArray("markers");
    for (DemoTimeline.PhaseMarker m : t.markers()) {
      markers.addObject().put("t", m.t()).put("deployment", m.deployment()).put("phase", m.phase());
    }
    ArrayNode deployments = root.putArray("deployments");
    for (DemoTimeline.DeploymentSummary d : t.deployments()) {
      deployments.add(summaryJson(d));
    }
    root.set("totals", JSON.createObjectNode()
        .put("requests", t.totals().requests())
        .put("failed_requests", t.totals().failedRequests())
        .put("canary_failures", t.totals().canaryFailures())
        .put("requests_per_s", t.totals().requestsPerS()));
    ArrayNode analysis = root.putArray("analysis");
    for (DemoTimeline.AnalysisEntry a : t.analysis()) {
      ObjectNode n = analysis.addObject().put("t", a.t()).put("deployment", a.deployment()).put("message", a.message());
      ArrayNode checks = n.putArray("checks");
      a.checks().forEach(checks::add);
    }
    return root;
  }

  /** One deployment summary: {@code {name, outcome, duration_s, drain_s: {lb: s}}}. */
  public static ObjectNode summaryJson(DemoTimeline.DeploymentSummary d) {
    ObjectNode n = JSON.createObjectNode();
    n.put("name", d.name()).put("outcome", d.outcome()).put("expected", d.expected()).put("duration_s", d.durationS());
    ObjectNode drain = n.putObject("drain_s");
    d.drainS().forEach(drain::put);
    return n;
  }

  public static DemoTimeline fromJson(JsonNode root) {
    if (!root.isObject()) {
      throw new InvalidInputException("timeline", "must be a JSON object");
    }
    List<DemoTimeline.Sample> samples = list(root, "samples", (n, at) -> new DemoTimeline.Sample(
        number(n, "t", at), count(n, "requests_ok", at), count(n, "requests_failed", at),
        map(n, "traffic_share", at, v -> v.asDouble()),
        nestedCounts(n, "connections", at)));
    List<DemoTimeline.PhaseMarker> markers = list(root, "markers", (n, at) -> new DemoTimeline.PhaseMarker(
        number(n, "t", at), text(n, "deployment", at), text(n, "phase", at)));
    List<DemoTimeline.DeploymentSummary> deployments = list(root, "deployments", (n, at) ->
        new DemoTimeline.DeploymentSummary(text(n, "name", at), text(n, "outcome", at), number(n, "duration_s", at),
            map(n, "drain_s", at, v -> v.asDouble()), n.path("expected").asText("succeeded")));
    List<DemoTimeline.AnalysisEntry> analysis = root.has("analysis") ? list(root, "analysis", (n, at) ->
        new DemoTimeline.AnalysisEntry(number(n, "t", at), text(n, "deployment", at), n.path("message").asText(""),
            texts(n.path("checks")))) : List.of();
    JsonNode totals = root.path("totals");
    if (!totals.isObject()) {
      throw new InvalidInputException("totals", "is required");
    }
    Instant started;
    try {
      started = Instant.parse(text(root, "started_at", ""));
    } catch (DateTimeParseException e) {
      throw new InvalidInputException("started_at", "must be an ISO-8601 instant, got " + root.path("started_at"));
    }
    return new DemoTimeline(text(root, "title", ""), started, samples, markers, deployments,
        new DemoTimeline.Totals(count(totals, "requests", "totals."), count(totals, "failed_requests", "totals."),
            number(totals, "requests_per_s", "totals."), totals.path("canary_failures").asLong(0)), analysis);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }

  private interface Element<T> {
    T read(JsonNode node, String at);
  }

  private static <T> List<T> list(JsonNode root, String field, Element<T> element) {
    JsonNode array = root.path(field);
    if (!array.isArray()) {
      throw new InvalidInputException(field, "must be an array");
    }
    List<T> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      out.add(element.read(array.get(i), field + "[" + i + "]."));
    }
    return out;
  }

  private static String text(JsonNode n, String field, String at) {
    JsonNode v = n.path(field);
    if (!v.isTextual()) {
      throw new InvalidInputException(at + field, "must be a string");
    }
    return v.asText();
  }

  private static double number(JsonNode n, String field, String at) {
    JsonNode v = n.path(field);
    if (!v.isNumber()) {
      throw new InvalidInputException(at + field, "must be a number");
    }
    return v.asDouble();
  }

  private static long count(JsonNode n, String field, String at) {
    JsonNode v = n.path(field);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new InvalidInputException(at + field, "must be an integer");
    }
    return v.asLong();
  }

  private static <V> Map<String, V> map(JsonNode n, String field, String at, Function<JsonNode, V> value) {
    JsonNode obj = n.path(field);
    if (!obj.isObject()) {
      throw new InvalidInputException(at + field, "must be an object");
    }
    Map<String, V> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : obj.properties()) {
      if (!e.getValue().isNumber()) {
        throw new InvalidInputException(at + field + "." + e.getKey(), "must be a number");
      }
      out.put(e.getKey(), value.apply(e.getValue()));
    }
    return out;
  }

  private static Map<String, Map<String, Long>> nestedCounts(JsonNode n, String field, String at) {
    JsonNode obj = n.path(field);
    if (!obj.isObject()) {
      throw new InvalidInputException(at + field, "must be an object");
    }
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : obj.properties()) {
      out.put(e.getKey(), map(obj, e.getKey(), at + field + ".", JsonNode::asLong));
    }
    return out;
  }
}
