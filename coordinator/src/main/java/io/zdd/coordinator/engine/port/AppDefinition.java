package io.zdd.coordinator.engine.port;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Marathon app definition as the engine posts it: the user's app JSON, prepared (id, colour,
 * ports and labels set). The node is deep-copied in and out so nobody can change it afterwards.
 */
public final class AppDefinition {
  private final ObjectNode json;

  public AppDefinition(ObjectNode json) {
    this.json = json.deepCopy();
  }

  public ObjectNode json() {
    return json.deepCopy();
  }

  public String id() {
    return json.path("id").asText("");
  }

  public int instances() {
    return json.path("instances").asInt(1);
  }

  public Map<String, String> labels() {
    Map<String, String> out = new LinkedHashMap<>();
    JsonNode labels = json.path("labels");
    labels.fieldNames().forEachRemaining(k -> out.put(k, labels.get(k).asText()));
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AppDefinition other && json.equals(other.json);
  }

  @Override
  public int hashCode() {
    return json.hashCode();
  }

  @Override
  public String toString() {
    return json.toString();
  }
}
