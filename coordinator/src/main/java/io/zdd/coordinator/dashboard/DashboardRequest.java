package io.zdd.coordinator.dashboard;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request to the dashboard, without the transport's types.
 *
 * @param headers header values by lower-case name (the first of repeated ones)
 */
record DashboardRequest(String method, String path, Map<String, String> headers, byte[] body) {
  DashboardRequest {
    headers = Map.copyOf(headers);
    body = body.clone();
  }

  Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  /** The value of cookie {@code name}, if the request carries it. */
  Optional<String> cookie(String name) {
    for (String part : header("cookie").orElse("").split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0 && part.substring(0, eq).trim().equals(name)) {
        return Optional.of(part.substring(eq + 1).trim());
      }
    }
    return Optional.empty();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  /** Never the headers or body: they carry session cookies and login tokens. */
  @Override
  public String toString() {
    return method + " " + path;
  }
}
