package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The one JSON mapper and Marathon's timestamp format ({@code 2016-02-01T22:57:48.784Z}). */
final class MarathonJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private MarathonJson() {}

  static String timestamp(Instant instant) {
    return TIMESTAMP.format(instant);
  }

  static Instant parseTimestamp(String text) {
    return Instant.parse(text);
  }

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static ArrayNode array() {
    return MAPPER.createArrayNode();
  }
}
