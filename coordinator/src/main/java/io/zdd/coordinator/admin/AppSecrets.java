package io.zdd.coordinator.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * App definitions leave the coordinator (plans, the CLI) without their secrets: every value of
 * {@code env} and every entry of {@code secrets} is replaced by {@code "<redacted>"}, keys kept so
 * an operator still sees which variables are set. Text that is not a JSON object is withheld whole.
 */
final class AppSecrets {
  static final String REDACTED = "<redacted>";
  private static final ObjectMapper JSON = new ObjectMapper();

  private AppSecrets() {}

  static String redact(String appJson) {
    if (appJson == null || appJson.isEmpty()) {
      return "";
    }
    JsonNode node;
    try {
      node = JSON.readTree(appJson);
    } catch (Exception e) {
      return REDACTED;
    }
    if (!(node instanceof ObjectNode app)) {
      return REDACTED;
    }
    redactValues(app.get("env"));
    redactValues(app.get("secrets"));
    return app.toString();
  }

  private static void redactValues(JsonNode holder) {
    if (holder instanceof ObjectNode o) {
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        it.next().setValue(JSON.getNodeFactory().textNode(REDACTED));
      }
    }
  }
}
