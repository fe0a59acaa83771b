package io.zdd.coordinator.marathon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.InvalidInputException;
import io.zdd.coordinator.marathon.MarathonApp.IpAddressSpec;
import io.zdd.coordinator.marathon.MarathonApp.PortDefinition;
import io.zdd.coordinator.marathon.MarathonApp.PortMapping;
import io.zdd.coordinator.marathon.MarathonApp.VersionInfo;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads Marathon's JSON into {@link MarathonApp}, {@link MarathonTask} and
 * {@link MarathonDeploymentRef}. Unknown fields are ignored (Marathon adds fields between
 * versions); a field zdd needs that is missing or of the wrong type is an
 * {@link InvalidInputException} naming its path, e.g. {@code apps[1].tasks[0].id}.
 */
public final class MarathonJson {
  /** Shared, configured once; ObjectMapper is thread-safe after configuration. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private MarathonJson() {}

  /** Parses text as a JSON object; {@code what} names it in the error. */
  public static ObjectNode parseObject(String what, String text) {
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(what, "not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new InvalidInputException(what, "must be a JSON object");
    }
    return (ObjectNode) node;
  }

  /** {@code GET /v2/apps} reply: {@code {"apps": [...]}}. */
  public static List<MarathonApp> parseAppsReply(JsonNode reply) {
    JsonNode apps = reply.get("apps");
    if (apps == null || !apps.isArray()) {
      throw new InvalidInputException("apps", "missing or not an array");
    }
    List<MarathonApp> out = new ArrayList<>(apps.size());
    for (int i = 0; i < apps.size(); i++) {
      out.add(parseApp(apps.get(i), "apps[" + i + "]"));
    }
    return out;
  }

  /** {@code GET /v2/apps/{id}} reply: {@code {"app": {...}}}. */
  public static MarathonApp parseAppReply(JsonNode reply) {
    JsonNode app = reply.get("app");
    if (app == null || !app.isObject()) {
      throw new InvalidInputException("app", "missing or not an object");
    }
    return parseApp(app, "app");
  }

  /** One app object; {@code path} prefixes field names in errors. */
  public static MarathonApp parseApp(JsonNode app, String path) {
    if (app == null || !app.isObject()) {
      throw new InvalidInputException(path, "must be an object");
    }
    String id = requiredText(app, "id", path);
    int instances = requiredInt(app, "instances", path, 0, Integer.MAX_VALUE);

    Map<String, String> labels = new LinkedHashMap<>();
    JsonNode labelsNode = app.get("labels");
    if (isPresent(labelsNode)) {
      if (!labelsNode.isObject()) {
        throw new InvalidInputException(path + ".labels", "must be an object");
      }
      labelsNode.fields().forEachRemaining(e -> {
        if (!e.getValue().isValueNode() || e.getValue().isNull()) {
          throw new InvalidInputException(path + ".labels." + e.getKey(), "must be a string");
        }
        labels.put(e.getKey(), e.getValue().asText());
      });
    }

    List<Integer> ports = intArray(app.get("ports"), path + ".ports");
    List<PortDefinition> portDefinitions = new ArrayList<>();
    forEach(app.get("portDefinitions"), path + ".portDefinitions", (node, p) ->
        portDefinitions.add(new PortDefinition(requiredInt(node, "port", p, 0, 65535), optionalText(node, "name"))));

    JsonNode container = app.get("container");
    JsonNode docker = isPresent(container) ? container.get("docker") : null;
    Optional<String> dockerNetwork = isPresent(docker) ? optionalText(docker, "network") : Optional.empty();
    List<PortMapping> portMappings = new ArrayList<>();
    boolean inDocker = false;
    if (isPresent(docker) && isPresent(docker.get("portMappings"))) {
      inDocker = true;
      portMappings.addAll(portMappings(docker.get("portMappings"), path + ".container.docker.portMappings"));
    } else if (isPresent(container) && isPresent(container.get("portMappings"))) {
      portMappings.addAll(portMappings(container.get("portMappings"), path + ".container.portMappings"));
    }

    List<String> networkModes = new ArrayList<>();
    forEach(app.get("networks"), path + ".networks", (node, p) ->
        networkModes.add(optionalText(node, "mode").orElse("container")));

    Optional<IpAddressSpec> ipAddress = Optional.empty();
    JsonNode ip = app.get("ipAddress");
    if (isPresent(ip)) {
      List<Integer> discovery = new ArrayList<>();
      JsonNode discoveryNode = ip.get("discovery");
      if (isPresent(discoveryNode)) {
        forEach(discoveryNode.get("ports"), path + ".ipAddress.discovery.ports", (node, p) ->
            discovery.add(requiredInt(node, "number", p, 0, 65535)));
      }
      ipAddress = Optional.of(new IpAddressSpec(discovery));
    }

    JsonNode healthChecks = app.get("healthChecks");
    boolean hasHealthChecks = isPresent(healthChecks) && healthChecks.isArray() && healthChecks.size() > 0;

    VersionInfo versionInfo = VersionInfo.NONE;
    JsonNode vi = app.get("versionInfo");
    if (isPresent(vi)) {
      versionInfo = new VersionInfo(
          optionalInstant(vi, "lastScalingAt", path + ".versionInfo"),
          optionalInstant(vi, "lastConfigChangeAt", path + ".versionInfo"));
    }

    List<MarathonDeploymentRef> deployments = new ArrayList<>();
    forEach(app.get("deployments"), path + ".deployments", (node, p) ->
        deployments.add(MarathonDeploymentRef.of(requiredText(node, "id", p))));

    List<MarathonTask> tasks = new ArrayList<>();
    forEach(app.get("tasks"), path + ".tasks", (node, p) -> tasks.add(parseTask(node, p, id)));

    return new MarathonApp(id, instances, labels, ports, portDefinitions, portMappings, inDocker,
        dockerNetwork, networkModes, ipAddress, hasHealthChecks, versionInfo, deployments, tasks,
        (ObjectNode) app);
  }

  /** One task object; {@code appId} fills in a missing {@code appId}. */
  public static MarathonTask parseTask(JsonNode task, String path, String appId) {
    if (task == null || !task.isObject()) {
      throw new InvalidInputException(path, "must be an object");
    }
    String id = requiredText(task, "id", path);
    List<String> ipAddresses = new ArrayList<>();
    forEach(task.get("ipAddresses"), path + ".ipAddresses", (node, p) ->
        ipAddresses.add(requiredText(node, "ipAddress", p)));
    List<Boolean> alive = new ArrayList<>();
    forEach(task.get("healthCheckResults"), path + ".healthCheckResults", (node, p) -> {
      JsonNode a = node.get("alive");
      if (a == null || !a.isBoolean()) {
        throw new InvalidInputException(p + ".alive", "missing or not a boolean");
      }
      alive.add(a.booleanValue());
    });
    return new MarathonTask(
        id,
        optionalText(task, "appId").orElse(appId),
        optionalText(task, "host").orElse(""),
        intArray(task.get("ports"), path + ".ports"),
        ipAddresses,
        optionalText(task, "state"),
        alive,
        optionalInstant(task, "startedAt", path));
  }

  /** A write's reply {@code {"deploymentId": …, "version": …}}. */
  public static MarathonDeploymentRef parseDeploymentReply(JsonNode reply) {
    return new MarathonDeploymentRef(requiredText(reply, "deploymentId", "reply"), optionalText(reply, "version"));
  }

  // ---- helpers -----------------------------------------------------------------------------

  private interface ElementReader {
    void read(JsonNode node, String path);
  }

  private static boolean isPresent(JsonNode node) {
    return node != null && !node.isNull() && !node.isMissingNode();
  }

  private static void forEach(JsonNode array, String path, ElementReader reader) {
    if (!isPresent(array)) {
      return;
    }
    if (!array.isArray()) {
      throw new InvalidInputException(path, "must be an array");
    }
    for (int i = 0; i < array.size(); i++) {
      String p = path + "[" + i + "]";
      if (!array.get(i).isObject()) {
        throw new InvalidInputException(p, "must be an object");
      }
      reader.read(array.get(i), p);
    }
  }

  private static List<PortMapping> portMappings(JsonNode array, String path) {
    List<PortMapping> out = new ArrayList<>();
    forEach(array, path, (node, p) -> out.add(new PortMapping(
        optionalInt(node, "containerPort", p),
        optionalInt(node, "hostPort", p),
        optionalInt(node, "servicePort", p),
        optionalText(node, "name"))));
    return out;
  }

  private static List<Integer> intArray(JsonNode array, String path) {
    List<Integer> out = new ArrayList<>();
    if (!isPresent(array)) {
      return out;
    }
    if (!array.isArray()) {
      throw new InvalidInputException(path, "must be an array");
    }
    for (int i = 0; i < array.size(); i++) {
      JsonNode n = array.get(i);
      if (!n.isInt() || n.intValue() < 0 || n.intValue() > 65535) {
        throw new InvalidInputException(path + "[" + i + "]", "must be a port number 0..65535, got " + n);
      }
      out.add(n.intValue());
    }
    return out;
  }

  private static String requiredText(JsonNode node, String name, String path) {
    JsonNode v = node.get(name);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new InvalidInputException(path + "." + name, "missing or not a non-empty string");
    }
    return v.asText();
  }

  private static Optional<String> optionalText(JsonNode node, String name) {
    JsonNode v = node.get(name);
    return v != null && v.isTextual() && !v.asText().isEmpty() ? Optional.of(v.asText()) : Optional.empty();
  }

  private static int requiredInt(JsonNode node, String name, String path, int min, int max) {
    JsonNode v = node.get(name);
    if (v == null || !v.isInt() || v.intValue() < min || v.intValue() > max) {
      throw new InvalidInputException(path + "." + name,
          "missing or not an integer in " + min + ".." + max + (v == null ? "" : ", got " + v));
    }
    return v.intValue();
  }

  /** Port fields Marathon may leave out mean 0 ("assign one"). */
  private static int optionalInt(JsonNode node, String name, String path) {
    JsonNode v = node.get(name);
    if (!isPresent(v)) {
      return 0;
    }
    return requiredInt(node, name, path, 0, 65535);
  }

  private static Optional<Instant> optionalInstant(JsonNode node, String name, String path) {
    JsonNode v = node.get(name);
    if (!isPresent(v)) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw new InvalidInputException(path + "." + name, "must be an ISO-8601 timestamp");
    }
    try {
      return Optional.of(Instant.parse(v.asText()));
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(path + "." + name, "not an ISO-8601 UTC timestamp: '" + v.asText() + "'");
    }
  }
}
