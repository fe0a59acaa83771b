package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates an app definition and fills in Marathon's defaults, so that what is stored (and later
 * returned by GET) has every field real Marathon returns, with the same JSON types. Errors use
 * Marathon's paths ({@code /instances}, {@code /healthChecks(0)/protocol}) and, for wrong types,
 * Play JSON's error keys ({@code error.expected.jsnumber}).
 */
final class AppDefinitions {
  private static final Pattern ID_SEGMENT =
      Pattern.compile("^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])$");

  /** Fields the server computes; a client may send them back (GET, edit, PUT) and they are ignored. */
  static final Set<String> RUNTIME_FIELDS =
      Set.of(
          "version",
          "versionInfo",
          "tasksStaged",
          "tasksRunning",
          "tasksHealthy",
          "tasksUnhealthy",
          "deployments",
          "tasks",
          "lastTaskFailure",
          "readinessCheckResults",
          "taskStats",
          "ports");

  private static final Set<String> HEALTH_PROTOCOLS =
      Set.of("HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP");

  private AppDefinitions() {}

  /** Turns a user-supplied id ({@code nginx}, {@code /prod/web/}) into Marathon's absolute form. */
  static String canonicalId(String raw) {
    String id = raw.trim();
    if (!id.startsWith("/")) {
      id = "/" + id;
    }
    while (id.length() > 1 && id.endsWith("/")) {
      id = id.substring(0, id.length() - 1);
    }
    return id;
  }

  /** A top-level merge: every field the update carries replaces the stored one (Marathon's PUT). */
  static ObjectNode merge(ObjectNode stored, ObjectNode update) {
    ObjectNode merged = stored.deepCopy();
    for (Map.Entry<String, JsonNode> field : update.properties()) {
      if (!RUNTIME_FIELDS.contains(field.getKey()) && !field.getKey().equals("id")) {
        merged.set(field.getKey(), field.getValue().deepCopy());
      }
    }
    // Legacy "ports" in an update replace the port definitions, as in Marathon.
    if (update.has("ports") && !update.has("portDefinitions")) {
      merged.remove("portDefinitions");
      merged.set("ports", update.get("ports").deepCopy());
    }
    return merged;
  }

  /**
   * Validates and normalizes. Service ports stay 0 where the user asked for "any"; the scheduler
   * assigns them.
   */
  static ObjectNode normalize(JsonNode input) {
    ValidationErrors errors = new ValidationErrors();
    if (!input.isObject()) {
      ValidationErrors.single("/", "error.expected.jsobject");
    }
    ObjectNode in = (ObjectNode) input;
    ObjectNode out = MarathonJson.object();

    JsonNode id = in.get("id");
    if (id == null || id.isNull()) {
      errors.add("/id", "error.path.missing");
    } else if (!id.isTextual()) {
      errors.add("/id", "error.expected.jsstring");
    } else {
      String canonical = canonicalId(id.asText());
      if (canonical.equals("/")) {
        errors.add("/id", "Path must contain at least one path element");
      } else {
        for (String segment : canonical.substring(1).split("/", -1)) {
          if (!ID_SEGMENT.matcher(segment).matches()) {
            errors.add("/id", "must fully match regular expression '" + ID_SEGMENT.pattern() + "'");
            break;
          }
        }
      }
      out.put("id", canonical);
    }

    out.set("cmd", optional(in, "cmd", JsonNodeType.STRING, "/cmd", errors));
    JsonNode args = optional(in, "args", JsonNodeType.ARRAY, "/args", errors);
    if (args.isArray()) {
      for (int i = 0; i < args.size(); i++) {
        if (!args.get(i).isTextual()) {
          errors.add("/args(" + i + ")", "error.expected.jsstring");
        }
      }
    }
    out.set("args", args);
    out.set("user", optional(in, "user", JsonNodeType.STRING, "/user", errors));
    out.set("env", stringMap(in, "env", errors));
    out.put("instances", integer(in, "instances", 1, 0, errors));
    out.put("cpus", number(in, "cpus", 1.0, errors));
    out.put("mem", number(in, "mem", 128.0, errors));
    out.put("disk", number(in, "disk", 0.0, errors));
    out.put("gpus", integer(in, "gpus", 0, 0, errors));
    out.put("executor", text(in, "executor", "", errors));
    for (String list : List.of("constraints", "uris", "fetch", "storeUrls")) {
      out.set(list, arrayOrEmpty(in, list, errors));
    }
    out.put("backoffSeconds", integer(in, "backoffSeconds", 1, 0, errors));
    out.put("backoffFactor", number(in, "backoffFactor", 1.15, errors));
    out.put("maxLaunchDelaySeconds", integer(in, "maxLaunchDelaySeconds", 3600, 0, errors));

    JsonNode container = optional(in, "container", JsonNodeType.OBJECT, "/container", errors);
    out.set("container", container.isObject() ? container((ObjectNode) container, errors) : NullNode.instance);

    if (out.path("cmd").isTextual() && out.path("args").isArray()) {
      errors.add("/", "AppDefinition must either contain a 'cmd' or a 'args', not both");
    }
    if (out.path("cmd").isNull() && out.path("args").isNull() && out.path("container").isNull()) {
      errors.add("/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.");
    }

    out.set("readinessChecks", arrayOrEmpty(in, "readinessChecks", errors));
    out.set("dependencies", arrayOrEmpty(in, "dependencies", errors));
    out.set("upgradeStrategy", upgradeStrategy(in, errors));
    out.set("labels", stringMap(in, "labels", errors));
    JsonNode roles = in.get("acceptedResourceRoles");
    out.set("acceptedResourceRoles", roles == null || roles.isNull() ? MarathonJson.array().add("*") : roles.deepCopy());
    out.set("ipAddress", optional(in, "ipAddress", JsonNodeType.OBJECT, "/ipAddress", errors));
    out.set("networks", networks(in, out.get("container"), errors));
    out.put("requirePorts", bool(in, "requirePorts", false, errors));
    out.set("portDefinitions", portDefinitions(in, out.get("container"), errors));
    JsonNode grace = optional(in, "taskKillGracePeriodSeconds", JsonNodeType.NUMBER, "/taskKillGracePeriodSeconds", errors);
    if (grace.isNumber() && grace.asInt() <= 0) {
      errors.add("/taskKillGracePeriodSeconds", "got " + grace.asInt() + ", expected 1 or more");
    }
    out.set("taskKillGracePeriodSeconds", grace);
    String kill = text(in, "killSelection", "YOUNGEST_FIRST", errors);
    if (!kill.equals("YOUNGEST_FIRST") && !kill.equals("OLDEST_FIRST")) {
      errors.add("/killSelection", "error.expected.enum: YOUNGEST_FIRST, OLDEST_FIRST");
    }
    out.put("killSelection", kill);
    JsonNode unreachable = in.get("unreachableStrategy");
    if (unreachable == null || unreachable.isNull()) {
      ObjectNode u = out.putObject("unreachableStrategy");
      u.put("inactiveAfterSeconds", 300);
      u.put("expungeAfterSeconds", 600);
    } else {
      out.set("unreachableStrategy", unreachable.deepCopy());
    }
    out.set("secrets", in.has("secrets") && in.get("secrets").isObject() ? in.get("secrets").deepCopy() : MarathonJson.object());

    // Health checks last: their port index is checked against the ports just read.
    out.set("healthChecks", healthChecks(in, portCount(out), errors));
    errors.throwIfAny();
    return out;
  }

  /** How many ports a task of this app gets: one per port mapping, else one per port definition. */
  static int portCount(ObjectNode app) {
    ArrayNode mappings = portMappings(app);
    return mappings != null ? mappings.size() : app.path("portDefinitions").size();
  }

  /** The app's port mappings (Marathon 1.5 {@code container.portMappings} or 1.4 docker's), or null. */
  static ArrayNode portMappings(JsonNode app) {
    JsonNode container = app.path("container");
    if (container.path("portMappings").isArray()) {
      return (ArrayNode) container.get("portMappings");
    }
    if (container.path("docker").path("portMappings").isArray()) {
      return (ArrayNode) container.get("docker").get("portMappings");
    }
    return null;
  }

  private static ObjectNode container(ObjectNode in, ValidationErrors errors) {
    ObjectNode out = in.deepCopy();
    String type = out.path("type").asText("DOCKER");
    if (!type.equals("DOCKER") && !type.equals("MESOS")) {
      errors.add("/container/type", "error.expected.enum: DOCKER, MESOS");
    }
    out.put("type", type);
    if (!out.path("volumes").isArray()) {
      out.putArray("volumes");
    }
    if (out.has("docker")) {
      if (!out.get("docker").isObject()) {
        errors.add("/container/docker", "error.expected.jsobject");
      } else {
        ObjectNode docker = (ObjectNode) out.get("docker");
        if (!docker.path("image").isTextual() || docker.path("image").asText().isEmpty()) {
          errors.add("/container/docker/image", "must not be empty");
        }
        if (!docker.has("privileged")) {
          docker.put("privileged", false);
        }
        if (!docker.path("parameters").isArray()) {
          docker.putArray("parameters");
        }
        if (!docker.has("forcePullImage")) {
          docker.put("forcePullImage", false);
        }
        if (docker.has("portMappings")) {
          docker.set("portMappings", mappings(docker.get("portMappings"), "/container/docker/portMappings", errors));
        }
      }
    }
    if (out.has("portMappings")) {
      out.set("portMappings", mappings(out.get("portMappings"), "/container/portMappings", errors));
    }
    return out;
  }

  private static ArrayNode mappings(JsonNode in, String path, ValidationErrors errors) {
    ArrayNode out = MarathonJson.array();
    if (!in.isArray()) {
      errors.add(path, "error.expected.jsarray");
      return out;
    }
    for (int i = 0; i < in.size(); i++) {
      JsonNode m = in.get(i);
      String at = path + "(" + i + ")";
      if (!m.isObject()) {
        errors.add(at, "error.expected.jsobject");
        continue;
      }
      ObjectNode mapping = m.deepCopy();
      for (String port : List.of("containerPort", "hostPort", "servicePort")) {
        JsonNode value = mapping.get(port);
        if (value == null || value.isNull()) {
          mapping.put(port, 0);
        } else if (!value.isInt() || value.asInt() < 0 || value.asInt() > 65535) {
          errors.add(at + "/" + port, "must be an integer between 0 and 65535");
        }
      }
      if (!mapping.has("protocol")) {
        mapping.put("protocol", "tcp");
      }
      if (!mapping.path("labels").isObject()) {
        mapping.putObject("labels");
      }
      out.add(mapping);
    }
    return out;
  }

  private static JsonNode networks(ObjectNode in, JsonNode container, ValidationErrors errors) {
    JsonNode networks = in.get("networks");
    if (networks != null && !networks.isNull()) {
      if (!networks.isArray()) {
        errors.add("/networks", "error.expected.jsarray");
        return MarathonJson.array();
      }
      for (int i = 0; i < networks.size(); i++) {
        String mode = networks.get(i).path("mode").asText("");
        if (!Set.of("host", "container", "container/bridge").contains(mode)) {
          errors.add("/networks(" + i + ")/mode", "error.expected.enum: host, container, container/bridge");
        }
      }
      return networks.deepCopy();
    }
    // Marathon 1.5 reports the 1.4-style docker.network as networks[].
    String dockerNetwork = container.path("docker").path("network").asText("HOST");
    ArrayNode derived = MarathonJson.array();
    switch (dockerNetwork) {
      case "BRIDGE" -> derived.addObject().put("mode", "container/bridge");
      case "USER" -> derived.addObject().put("mode", "container");
      default -> derived.addObject().put("mode", "host");
    }
    return derived;
  }

  private static ArrayNode portDefinitions(ObjectNode in, JsonNode container, ValidationErrors errors) {
    ArrayNode out = MarathonJson.array();
    if (portMappings(MarathonJson.object().set("container", container)) != null) {
      return out; // ports come from the mappings; GET mirrors them (see AppRenderer)
    }
    JsonNode defs = in.get("portDefinitions");
    JsonNode ports = in.get("ports");
    if (defs != null && !defs.isNull() && ports != null && !ports.isNull()) {
      errors.add("/", "You cannot specify both ports and port definitions");
      return out;
    }
    if (defs != null && !defs.isNull()) {
      if (!defs.isArray()) {
        errors.add("/portDefinitions", "error.expected.jsarray");
        return out;
      }
      for (int i = 0; i < defs.size(); i++) {
        JsonNode d = defs.get(i);
        String at = "/portDefinitions(" + i + ")";
        if (!d.isObject()) {
          errors.add(at, "error.expected.jsobject");
          continue;
        }
        ObjectNode def = d.deepCopy();
        JsonNode port = def.get("port");
        if (port == null || port.isNull()) {
          def.put("port", 0);
        } else if (!port.isInt() || port.asInt() < 0 || port.asInt() > 65535) {
          errors.add(at + "/port", "must be an integer between 0 and 65535");
        }
        if (!def.has("protocol")) {
          def.put("protocol", "tcp");
        }
        if (!def.path("labels").isObject()) {
          def.putObject("labels");
        }
        out.add(def);
      }
    } else if (ports != null && !ports.isNull()) {
      if (!ports.isArray()) {
        errors.add("/ports", "error.expected.jsarray");
        return out;
      }
      for (int i = 0; i < ports.size(); i++) {
        JsonNode p = ports.get(i);
        if (!p.isInt() || p.asInt() < 0 || p.asInt() > 65535) {
          errors.add("/ports(" + i + ")", "must be an integer between 0 and 65535");
          continue;
        }
        ObjectNode def = out.addObject();
        def.put("port", p.asInt());
        def.put("protocol", "tcp");
        def.putObject("labels");
      }
    } else {
      ObjectNode def = out.addObject(); // Marathon's default: one port, assigned
      def.put("port", 0);
      def.put("protocol", "tcp");
      def.putObject("labels");
    }
    Set<Integer> seen = new HashSet<>();
    for (JsonNode def : out) {
      int port = def.path("port").asInt();
      if (port != 0 && !seen.add(port)) {
        errors.add("/portDefinitions", "Ports must be unique.");
      }
    }
    return out;
  }

  private static ArrayNode healthChecks(ObjectNode in, int portCount, ValidationErrors errors) {
    ArrayNode out = MarathonJson.array();
    JsonNode checks = in.get("healthChecks");
    if (checks == null || checks.isNull()) {
      return out;
    }
    if (!checks.isArray()) {
      errors.add("/healthChecks", "error.expected.jsarray");
      return out;
    }
    for (int i = 0; i < checks.size(); i++) {
      JsonNode c = checks.get(i);
      String at = "/healthChecks(" + i + ")";
      if (!c.isObject()) {
        errors.add(at, "error.expected.jsobject");
        continue;
      }
      ObjectNode check = MarathonJson.object();
      ObjectNode src = (ObjectNode) c;
      String protocol = text(src, "protocol", "HTTP", errors, at + "/protocol");
      if (!HEALTH_PROTOCOLS.contains(protocol)) {
        errors.add(at + "/protocol", "error.expected.enum: " + String.join(", ", HEALTH_PROTOCOLS));
      }
      if (protocol.contains("HTTP")) {
        check.put("path", text(src, "path", "/", errors, at + "/path"));
      }
      check.put("protocol", protocol);
      if (protocol.equals("COMMAND")) {
        String command = src.path("command").path("value").asText("");
        if (command.isEmpty()) {
          errors.add(at + "/command", "error.path.missing");
        }
        check.putObject("command").put("value", command);
      } else if (src.hasNonNull("port")) {
        check.put("port", integer(src, "port", 0, 1, errors, at + "/port"));
      } else {
        int index = integer(src, "portIndex", 0, 0, errors, at + "/portIndex");
        if (index >= portCount) {
          errors.add(at, "Health check port indices must address an element of the ports array or container port mappings.");
        }
        check.put("portIndex", index);
      }
      check.put("gracePeriodSeconds", integer(src, "gracePeriodSeconds", 300, 0, errors, at + "/gracePeriodSeconds"));
      check.put("intervalSeconds", integer(src, "intervalSeconds", 60, 1, errors, at + "/intervalSeconds"));
      check.put("timeoutSeconds", integer(src, "timeoutSeconds", 20, 1, errors, at + "/timeoutSeconds"));
      check.put("maxConsecutiveFailures", integer(src, "maxConsecutiveFailures", 3, 0, errors, at + "/maxConsecutiveFailures"));
      check.put("delaySeconds", integer(src, "delaySeconds", 15, 0, errors, at + "/delaySeconds"));
      if (protocol.contains("HTTP")) {
        check.put("ignoreHttp1xx", bool(src, "ignoreHttp1xx", false, errors));
      }
      out.add(check);
    }
    return out;
  }

  private static ObjectNode upgradeStrategy(ObjectNode in, ValidationErrors errors) {
    ObjectNode out = MarathonJson.object();
    JsonNode src = in.path("upgradeStrategy");
    double min = src.has("minimumHealthCapacity") ? src.get("minimumHealthCapacity").asDouble(-1) : 1.0;
    double max = src.has("maximumOverCapacity") ? src.get("maximumOverCapacity").asDouble(-1) : 1.0;
    if (min < 0 || min > 1) {
      errors.add("/upgradeStrategy/minimumHealthCapacity", "is not between 0 and 1");
    }
    if (max < 0 || max > 1) {
      errors.add("/upgradeStrategy/maximumOverCapacity", "is not between 0 and 1");
    }
    out.put("minimumHealthCapacity", min);
    out.put("maximumOverCapacity", max);
    return out;
  }

  private static JsonNode optional(ObjectNode in, String field, JsonNodeType type, String path, ValidationErrors errors) {
    JsonNode value = in.get(field);
    if (value == null || value.isNull()) {
      return NullNode.instance;
    }
    if (value.getNodeType() != type) {
      errors.add(path, "error.expected.js" + type.name().toLowerCase(Locale.ROOT));
      return NullNode.instance;
    }
    return value.deepCopy();
  }

  private static ObjectNode stringMap(ObjectNode in, String field, ValidationErrors errors) {
    ObjectNode out = MarathonJson.object();
    JsonNode value = in.get(field);
    if (value == null || value.isNull()) {
      return out;
    }
    if (!value.isObject()) {
      errors.add("/" + field, "error.expected.jsobject");
      return out;
    }
    value.properties().forEach(e -> {
      if (e.getValue().isTextual()) {
        out.put(e.getKey(), e.getValue().asText());
      } else {
        errors.add("/" + field + "/" + e.getKey(), "error.expected.jsstring");
      }
    });
    return out;
  }

  private static ArrayNode arrayOrEmpty(ObjectNode in, String field, ValidationErrors errors) {
    JsonNode value = in.get(field);
    if (value == null || value.isNull()) {
      return MarathonJson.array();
    }
    if (!value.isArray()) {
      errors.add("/" + field, "error.expected.jsarray");
      return MarathonJson.array();
    }
    return value.deepCopy();
  }

  private static int integer(ObjectNode in, String field, int dflt, int min, ValidationErrors errors) {
    return integer(in, field, dflt, min, errors, "/" + field);
  }

  private static int integer(ObjectNode in, String field, int dflt, int min, ValidationErrors errors, String path) {
    JsonNode value = in.get(field);
    if (value == null || value.isNull()) {
      return dflt;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      errors.add(path, "error.expected.jsnumber");
      return dflt;
    }
    if (value.asInt() < min) {
      errors.add(path, "got " + value.asInt() + ", expected " + min + " or more");
    }
    return value.asInt();
  }

  private static double number(ObjectNode in, String field, double dflt, ValidationErrors errors) {
    JsonNode value = in.get(field);
    if (value == null || value.isNull()) {
      return dflt;
    }
    if (!value.isNumber()) {
      errors.add("/" + field, "error.expected.jsnumber");
      return dflt;
    }
    if (value.asDouble() < 0) {
      errors.add("/" + field, "got " + value.asDouble() + ", expected 0.0 or more");
    }
    return value.asDouble();
  }

  private static String text(ObjectNode in, String field, String dflt, ValidationErrors errors) {
    return text(in, field, dflt, errors, "/" + field);
  }

  private static String text(ObjectNode in, String field, String dflt, ValidationErrors errors, String path) {
    JsonNode value = in.get(field);
    if (value == null || value.isNull()) {
      return dflt;
    }
    if (!value.isTextual()) {
      errors.add(path, "error.expected.jsstring");
      return dflt;
    }
    return value.asText();
  }

  private static boolean bool(ObjectNode in, String field, boolean dflt, ValidationErrors errors) {
    JsonNode value = in.get(field);
    if (value == null || value.isNull()) {
      return dflt;
    }
    if (!value.isBoolean()) {
      errors.add("/" + field, "error.expected.jsboolean");
      return dflt;
    }
    return value.asBoolean();
  }
}
