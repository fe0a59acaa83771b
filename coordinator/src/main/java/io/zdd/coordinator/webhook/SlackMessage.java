package io.zdd.coordinator.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;

/** A Slack-compatible notification body: {@code {"text": "…"}}, escaped as JSON. */
public final class SlackMessage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SlackMessage() {}

  public static String of(String text) {
    return JSON.createObjectNode().put("text", text).toString();
  }
}
