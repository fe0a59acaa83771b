package io.zdd.deploy.marathon;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects every validation error of one request, so the 422 names all bad fields at once. */
final class ValidationErrors {
  private final Map<String, List<String>> errors = new LinkedHashMap<>();

  void add(String path, String error) {
    errors.computeIfAbsent(path, p -> new ArrayList<>()).add(error);
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  void throwIfAny() {
    if (!errors.isEmpty()) {
      throw MarathonApiException.invalid(errors);
    }
  }

  static void single(String path, String error) {
    ValidationErrors e = new ValidationErrors();
    e.add(path, error);
    e.throwIfAny();
  }
}
