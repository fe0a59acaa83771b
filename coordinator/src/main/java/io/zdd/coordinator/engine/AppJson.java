package io.zdd.coordinator.engine;

import io.zdd.common.model.Validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.InvalidInputException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The user's app definition, parsed and checked: nulls dropped (as zdd.py does), the group and
 * alt-port labels present and valid, and the first service port found where zdd.py looks for it
 * (docker port mappings, container port mappings, portDefinitions, ports).
 */
public final class AppJson {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern APP_ID = Pattern.compile("/?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)*");
  private static final int MAX_BYTES = 1 << 20;

  /** Where the first service port sits in the JSON, in zdd.py's search order. */
  enum PortLocation { DOCKER_PORT_MAPPINGS, CONTAINER_PORT_MAPPINGS, PORT_DEFINITIONS, PORTS }

  private final ObjectNode json;
  private final String id;
  private final String group;
  private final int altPort;
  private final int servicePort;
  private final PortLocation portLocation;

  private AppJson(ObjectNode json, String id, String group, int altPort, int servicePort, PortLocation loc) {
    this.json = json;
    this.id = id;
    this.group = group;
    this.altPort = altPort;
    this.servicePort = servicePort;
    this.portLocation = loc;
  }

  /** Parses and validates; every failure names the field. */
  public static AppJson parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException("app_json", "is empty");
    }
    if (text.length() > MAX_BYTES) {
      throw new InvalidInputException("app_json", "is larger than 1 MiB");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("app_json", "is not valid JSON: " + e.getOriginalMessage());
    }
    if (!(node instanceof ObjectNode obj)) {
      throw new InvalidInputException("app_json", "must be a JSON object");
    }
    dropNulls(obj);
    JsonNode idNode = obj.get("id");
    if (idNode == null || !idNode.isTextual() || !APP_ID.matcher(idNode.asText()).matches()) {
      throw new InvalidInputException("id", "must be a Marathon app id (lower-case letters, digits, '-', '.', '/'), got "
          + (idNode == null ? "nothing" : "'" + Validation.printable(idNode.asText()) + "'"));
    }
    JsonNode instances = obj.get("instances");
    if (instances != null && (!instances.canConvertToInt() || !instances.isIntegralNumber() || instances.asInt() < 0)) {
      throw new InvalidInputException("instances", "must be a non-negative integer");
    }
    JsonNode labels = obj.get("labels");
    if (!(labels instanceof ObjectNode)) {
      throw new InvalidInputException("labels", "are required (with " + Labels.GROUP + " and " + Labels.ALT_PORT + ")");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new InvalidInputException("labels." + e.getKey(), "label values must be strings");
      }
    }
    String group = label(labels, Labels.GROUP)
        .orElseThrow(() -> new InvalidInputException("labels." + Labels.GROUP, "is required"));
    try {
      io.zdd.common.model.GroupName.of(group);
    } catch (InvalidInputException e) {
      throw new InvalidInputException("labels." + Labels.GROUP, e.getMessage());
    }
    String alt = label(labels, Labels.ALT_PORT)
        .orElseThrow(() -> new InvalidInputException("labels." + Labels.ALT_PORT, "is required"));
    int altPort = portNumber("labels." + Labels.ALT_PORT, alt);
    PortLocation loc = null;
    int servicePort = -1;
    for (PortLocation candidate : PortLocation.values()) {
      JsonNode p = portNode(obj, candidate);
      if (p != null && !p.isMissingNode()) {
        loc = candidate;
        if (!p.isIntegralNumber() || p.asInt() < 1 || p.asInt() > 65535) {
          throw new InvalidInputException(fieldName(candidate),
              "service port must be 1..65535 (0 asks Marathon to pick one, which zdd cannot alternate), got " + p);
        }
        servicePort = p.asInt();
        break;
      }
    }
    if (loc == null) {
      throw new InvalidInputException("servicePort", "no service port found in container.docker.portMappings[0].servicePort, "
          + "container.portMappings[0].servicePort, portDefinitions[0].port or ports[0]");
    }
    if (altPort == servicePort) {
      throw new InvalidInputException("labels." + Labels.ALT_PORT, "must differ from the service port " + servicePort);
    }
    for (String numeric : new String[] {Labels.PENDING_METRIC_PORT_INDEX}) {
      label(labels, numeric).ifPresent(v -> {
        try {
          int i = Integer.parseInt(v.trim());
          if (i < 0 || i > 64) {
            throw new NumberFormatException();
          }
        } catch (NumberFormatException e) {
          throw new InvalidInputException("labels." + numeric, "must be an integer 0..64, got '" + Validation.printable(v) + "'");
        }
      });
    }
    return new AppJson(obj, idNode.asText(), group, altPort, servicePort, loc);
  }

  private static int portNumber(String field, String value) {
    try {
      int p = Integer.parseInt(value.trim());
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new InvalidInputException(field, "must be a port number 1..65535, got '" + Validation.printable(value) + "'");
  }

  private static String fieldName(PortLocation loc) {
    return switch (loc) {
      case DOCKER_PORT_MAPPINGS -> "container.docker.portMappings[0].servicePort";
      case CONTAINER_PORT_MAPPINGS -> "container.portMappings[0].servicePort";
      case PORT_DEFINITIONS -> "portDefinitions[0].port";
      case PORTS -> "ports[0]";
    };
  }

  private static JsonNode portNode(ObjectNode obj, PortLocation loc) {
    JsonNode first = switch (loc) {
      case DOCKER_PORT_MAPPINGS -> obj.path("container").path("docker").path("portMappings").path(0);
      case CONTAINER_PORT_MAPPINGS -> obj.path("container").path("portMappings").path(0);
      case PORT_DEFINITIONS -> obj.path("portDefinitions").path(0);
      case PORTS -> obj.path("ports").path(0);
    };
    return switch (loc) {
      case DOCKER_PORT_MAPPINGS, CONTAINER_PORT_MAPPINGS -> first.path("servicePort");
      case PORT_DEFINITIONS -> first.path("port");
      case PORTS -> first;
    };
  }

  static Optional<String> label(JsonNode labels, String name) {
    JsonNode v = labels.get(name);
    return v == null || v.asText().isBlank() ? Optional.empty() : Optional.of(v.asText().trim());
  }

  private static void dropNulls(JsonNode node) {
    if (node instanceof ObjectNode obj) {
      obj.properties().removeIf(e -> e.getValue().isNull());
      obj.forEach(AppJson::dropNulls);
    } else if (node instanceof ArrayNode arr) {
      for (int i = arr.size() - 1; i >= 0; i--) {
        if (arr.get(i).isNull()) {
          arr.remove(i);
        }
      }
      arr.forEach(AppJson::dropNulls);
    }
  }

  /** A copy with the first service port replaced at the place it was found. */
  ObjectNode withServicePort(int port) {
    ObjectNode copy = json.deepCopy();
    switch (portLocation) {
      case DOCKER_PORT_MAPPINGS ->
          ((ObjectNode) copy.path("container").path("docker").path("portMappings").path(0)).put("servicePort", port);
      case CONTAINER_PORT_MAPPINGS -> ((ObjectNode) copy.path("container").path("portMappings").path(0)).put("servicePort", port);
      case PORT_DEFINITIONS -> ((ObjectNode) copy.path("portDefinitions").path(0)).put("port", port);
      case PORTS -> ((ArrayNode) copy.path("ports")).set(0, copy.numberNode(port));
    }
    return copy;
  }

  public ObjectNode json() {
    return json.deepCopy();
  }

  public String id() {
    return id;
  }

  public String group() {
    return group;
  }

  public int altPort() {
    return altPort;
  }

  public int servicePort() {
    return servicePort;
  }

  public int instances() {
    return json.path("instances").asInt(1);
  }

  public Optional<String> label(String name) {
    return label(json.path("labels"), name);
  }
}
