package io.zdd.coordinator.marathon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/**
 * One event from Marathon's {@code /v2/events} stream.
 *
 * @param type the SSE {@code event:} name, or else the data's {@code eventType}, e.g.
 *     {@code status_update_event}
 * @param data the event's JSON
 */
public record MarathonEvent(String type, ObjectNode data) {
  public MarathonEvent {
    Objects.requireNonNull(type, "type");
    data = Objects.requireNonNull(data, "data").deepCopy();
  }

  @Override
  public ObjectNode data() {
    return data.deepCopy();
  }

  /** {@code appId} of events about an app or its tasks. */
  public Optional<String> appId() {
    return data.path("appId").isTextual() ? Optional.of(data.path("appId").asText()) : Optional.empty();
  }

  /** {@code taskId} of task events. */
  public Optional<String> taskId() {
    return data.path("taskId").isTextual() ? Optional.of(data.path("taskId").asText()) : Optional.empty();
  }
}
