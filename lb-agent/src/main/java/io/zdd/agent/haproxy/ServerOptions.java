package io.zdd.agent.haproxy;

import io.zdd.common.model.HealthCheck;
import io.zdd.common.model.Validation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Keywords of a server line, shared by the config renderer and {@code add server}: a server
 * added at run time inherits nothing from {@code default-server}, so both paths spell out the
 * same explicit settings (weight, checks, connection pooling).
 *
 * @param weight 0..256
 * @param healthCheck check parameters; empty means no {@code check}
 * @param disabled start in maintenance ({@code disabled} keyword)
 */
public record ServerOptions(int weight, Optional<HealthCheck> healthCheck, boolean disabled) {
  /** Without {@code pool-max-conn} a dynamic server keeps no idle server connections (measured). */
  static final String POOL_MAX_CONN = "-1";
  static final String POOL_PURGE_DELAY = "5s";

  public ServerOptions {
    Validation.weight("server.weight", weight);
    healthCheck = healthCheck == null ? Optional.empty() : healthCheck;
  }

  /** The keyword tokens, in a fixed order so rendered output is deterministic. */
  public List<String> keywords() {
    List<String> k = new ArrayList<>(List.of("weight", Integer.toString(weight)));
    healthCheck.ifPresent(h -> {
      k.add("check");
      if (h.intervalMs() > 0) {
        k.addAll(List.of("inter", h.intervalMs() + "ms"));
      }
      if (h.rise() > 0) {
        k.addAll(List.of("rise", Integer.toString(h.rise())));
      }
      if (h.fall() > 0) {
        k.addAll(List.of("fall", Integer.toString(h.fall())));
      }
    });
    k.addAll(List.of("pool-max-conn", POOL_MAX_CONN, "pool-purge-delay", POOL_PURGE_DELAY));
    if (disabled) {
      k.add("disabled");
    }
    return k;
  }
}
