package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** One entry of an app's {@code healthChecks}, after defaults are filled in. */
record HealthCheckSpec(
    Protocol protocol,
    String path,
    Integer portIndex,
    Integer port,
    String command,
    Duration gracePeriod,
    Duration interval,
    Duration timeout,
    int maxConsecutiveFailures,
    boolean ignoreHttp1xx) {

  enum Protocol {
    HTTP,
    HTTPS,
    TCP,
    COMMAND;

    /** Marathon's MESOS_* variants run on the agent; here there is no difference. */
    static Protocol of(String marathonName) {
      return switch (marathonName) {
        case "HTTP", "MESOS_HTTP" -> HTTP;
        case "HTTPS", "MESOS_HTTPS" -> HTTPS;
        case "TCP", "MESOS_TCP" -> TCP;
        case "COMMAND" -> COMMAND;
        default -> throw new IllegalArgumentException("unknown health check protocol " + marathonName);
      };
    }
  }

  /** Reads a normalized health check (see {@link AppDefinitions}). */
  static HealthCheckSpec from(JsonNode node) {
    Protocol protocol = Protocol.of(node.path("protocol").asText());
    return new HealthCheckSpec(
        protocol,
        node.path("path").asText("/"),
        node.hasNonNull("portIndex") ? node.get("portIndex").asInt() : null,
        node.hasNonNull("port") ? node.get("port").asInt() : null,
        node.path("command").path("value").asText(null),
        Duration.ofSeconds(node.path("gracePeriodSeconds").asLong()),
        Duration.ofSeconds(Math.max(1, node.path("intervalSeconds").asLong())),
        Duration.ofSeconds(Math.max(1, node.path("timeoutSeconds").asLong())),
        node.path("maxConsecutiveFailures").asInt(),
        node.path("ignoreHttp1xx").asBoolean(false));
  }
}
