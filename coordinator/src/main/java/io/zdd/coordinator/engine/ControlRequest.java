package io.zdd.coordinator.engine;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * One accepted operator request, persisted with the record until a tick applies it.
 *
 * @param seq position in the deployment's sequence of requests, from 1
 * @param control what was asked
 * @param at when the leader accepted it
 */
public record ControlRequest(long seq, Control control, Instant at) {
  public ControlRequest {
    Objects.requireNonNull(control, "control");
    Objects.requireNonNull(at, "at");
  }

  @Override
  public String toString() {
    return control.name().toLowerCase(Locale.ROOT) + " #" + seq + " at " + at;
  }
}
