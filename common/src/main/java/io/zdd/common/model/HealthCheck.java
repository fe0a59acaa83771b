package io.zdd.common.model;

/**
 * HAProxy health check for every server of a backend.
 *
 * @param httpPath path for {@code option httpchk}; empty for a TCP connect check
 * @param intervalMs check interval in milliseconds, 0 for HAProxy's default
 * @param rise successes before UP, 0 for the default
 * @param fall failures before DOWN, 0 for the default
 */
public record HealthCheck(String httpPath, int intervalMs, int rise, int fall) {
  public HealthCheck {
    httpPath = httpPath == null ? "" : httpPath;
    if (!httpPath.isEmpty() && !httpPath.matches("/[A-Za-z0-9_./?=&%~+-]*")) {
      throw new io.zdd.common.error.InvalidInputException("health_check.http_path",
          "must be an absolute path of URL-safe characters, got '"
              + Validation.printable(httpPath) + "'");
    }
    Validation.nonNegative("health_check.interval_ms", intervalMs);
    Validation.nonNegative("health_check.rise", rise);
    Validation.nonNegative("health_check.fall", fall);
  }
}
