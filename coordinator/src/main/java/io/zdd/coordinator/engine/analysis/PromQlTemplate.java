package io.zdd.coordinator.engine.analysis;

import java.util.Map;

/** TEMPORARY stand-in until the real one lands. */
public record PromQlTemplate(String text) {
  public static PromQlTemplate parse(String field, String text) {
    return new PromQlTemplate(text);
  }

  public String render(Map<String, String> values) {
    String out = text;
    for (Map.Entry<String, String> e : values.entrySet()) {
      out = out.replace("{{" + e.getKey() + "}}", e.getValue().replace("\\", "\\\\").replace("\"", "\\\""));
    }
    return out;
  }
}
