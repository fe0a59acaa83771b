package io.zdd.coordinator.marathon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads the Marathon reply fixtures under {@code src/test/resources/marathon/}. */
final class Fixtures {
  private Fixtures() {}

  static String text(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/marathon/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode json(String name) {
    return MarathonJson.parseObject(name, text(name));
  }

  /** The fixtures for single apps hold {@code {"apps":[app]}}; this is {@code {"app": app}}. */
  static String singleAppReply(String name) {
    ObjectNode reply = MarathonJson.MAPPER.createObjectNode();
    reply.set("app", json(name).get("apps").get(0));
    return reply.toString();
  }
}
