package io.zdd.deploy.marathon;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Marathon's {@code label=} selector for {@code GET /v2/apps}: comma-separated terms, all of which
 * must hold: {@code key}, {@code !key}, {@code key==value}, {@code key!=value},
 * {@code key in (a, b)}, {@code key notin (a, b)}.
 */
final class LabelSelector {
  private LabelSelector() {}

  static Predicate<Map<String, String>> parse(String selector) {
    List<Predicate<Map<String, String>>> terms = new ArrayList<>();
    for (String term : splitTopLevel(selector)) {
      terms.add(term(term.trim()));
    }
    return labels -> terms.stream().allMatch(t -> t.test(labels));
  }

  private static Predicate<Map<String, String>> term(String term) {
    if (term.isEmpty()) {
      throw invalid(term);
    }
    int eq = term.indexOf("==");
    int ne = term.indexOf("!=");
    if (eq > 0) {
      String key = term.substring(0, eq).trim();
      String value = term.substring(eq + 2).trim();
      return labels -> value.equals(labels.get(key));
    }
    if (ne > 0) {
      String key = term.substring(0, ne).trim();
      String value = term.substring(ne + 2).trim();
      return labels -> !value.equals(labels.get(key));
    }
    String[] words = term.split("\\s+", 3);
    if (words.length == 3 && (words[1].equals("in") || words[1].equals("notin"))) {
      String list = words[2].trim();
      if (!list.startsWith("(") || !list.endsWith(")")) {
        throw invalid(term);
      }
      Set<String> values =
          Stream.of(list.substring(1, list.length() - 1).split(",")).map(String::trim).collect(Collectors.toSet());
      String key = words[0];
      boolean in = words[1].equals("in");
      return labels -> labels.containsKey(key) && values.contains(labels.get(key)) == in;
    }
    if (words.length == 1) {
      if (term.startsWith("!")) {
        String key = term.substring(1);
        return labels -> !labels.containsKey(key);
      }
      return labels -> labels.containsKey(term);
    }
    throw invalid(term);
  }

  private static List<String> splitTopLevel(String selector) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    StringBuilder current = new StringBuilder();
    for (char c : selector.toCharArray()) {
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
      if (c == ',' && depth == 0) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    parts.add(current.toString());
    return parts;
  }

  private static MarathonApiException invalid(String term) {
    return MarathonApiException.message(422, "Invalid label selector term: '" + term + "'");
  }
}
