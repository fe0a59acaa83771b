package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compares the shape of two JSON documents: every field the expected document holds must exist in
 * the actual one, with the same JSON type and nesting. Values do not matter. A null in the expected
 * document accepts any type (Marathon writes null for unset optional fields). Every element of an
 * actual array is compared with every element of the expected array, and a non-empty expected
 * array requires a non-empty actual one (so element shapes are really checked). Extra fields in the
 * actual document are allowed: a client written against the expected replies never sees a
 * difference.
 */
final class JsonShape {
  private JsonShape() {}

  /** Human-readable differences, each naming a JSON path; empty when the shapes agree. */
  static List<String> differences(JsonNode expected, JsonNode actual) {
    List<String> out = new ArrayList<>();
    compare(expected, actual, "$", out);
    return out;
  }

  private static void compare(JsonNode expected, JsonNode actual, String path, List<String> out) {
    if (expected.isNull()) {
      return;
    }
    if (actual == null || actual.isMissingNode()) {
      out.add(path + ": missing (expected " + type(expected) + ")");
      return;
    }
    if (!type(expected).equals(type(actual))) {
      out.add(path + ": expected " + type(expected) + " but was " + type(actual));
      return;
    }
    if (expected.isObject()) {
      for (Map.Entry<String, JsonNode> field : expected.properties()) {
        compare(field.getValue(), actual.get(field.getKey()), path + "." + field.getKey(), out);
      }
    } else if (expected.isArray() && !expected.isEmpty()) {
      if (actual.isEmpty()) {
        out.add(path + ": empty array, expected elements like " + expected.get(0));
        return;
      }
      for (int i = 0; i < actual.size(); i++) {
        for (JsonNode element : expected) {
          compare(element, actual.get(i), path + "[" + i + "]", out);
        }
      }
    }
  }

  private static String type(JsonNode node) {
    if (node.isNumber()) {
      return "number"; // JSON has one number type; 65 and 65.0 are the same to a client
    }
    return node.getNodeType().name().toLowerCase(Locale.ROOT);
  }
}
