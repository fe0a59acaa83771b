package io.zdd.coordinator.engine.analysis;

import io.zdd.common.error.InvalidInputException;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PromQL query with placeholders ({@code {{group}}}, {@code {{colour}}}, {@code {{app}}},
 * {@code {{greenApp}}}, {@code {{blueApp}}}, {@code {{step}}}, {@code {{share}}}), checked when the
 * analysis file is read. Values are escaped for a PromQL double-quoted string, so a quote or a
 * backslash in an app id cannot end the string and change the query.
 */
public record PromQlTemplate(String text) {
  public static final Set<String> PLACEHOLDERS = Set.of("group", "colour", "app", "greenApp", "blueApp", "step", "share");
  public static final int MAX_LENGTH = 4096;
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^{}]*)}}");

  /** @throws InvalidInputException naming {@code field}: an unknown placeholder, stray braces, too long */
  public static PromQlTemplate parse(String field, String text) {
    if (text.length() > MAX_LENGTH) {
      throw new InvalidInputException(field, "is longer than " + MAX_LENGTH + " characters");
    }
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      if (!PLACEHOLDERS.contains(m.group(1).trim())) {
        throw new InvalidInputException(field, "unknown placeholder {{" + m.group(1) + "}}; known: " + PLACEHOLDERS);
      }
    }
    String rest = PLACEHOLDER.matcher(text).replaceAll("");
    if (rest.contains("{{") || rest.contains("}}")) {
      throw new InvalidInputException(field, "has an unbalanced {{ or }}");
    }
    return new PromQlTemplate(text);
  }

  /** The query with every placeholder replaced by its value, escaped for a PromQL string. */
  public String render(Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = values.getOrDefault(m.group(1).trim(), "");
      m.appendReplacement(out, Matcher.quoteReplacement(escape(v)));
    }
    m.appendTail(out);
    return out.toString();
  }

  static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("'", "\\'").replace("\n", "\\n");
  }
}
