package io.zdd.coordinator.marathon;

import io.zdd.common.error.ZddException;

/**
 * Marathon answered, but with something zdd cannot use: not JSON, or JSON missing a field zdd
 * needs. Names the request and the field, so the operator can see which Marathon misbehaved.
 * Retrying unchanged will not help.
 */
public final class MarathonReplyException extends ZddException {
  private final String field;

  public MarathonReplyException(String request, String field, String message) {
    super("Marathon reply to " + request + " not understood: " + field + ": " + message);
    this.field = field;
  }

  /** Wraps a parse failure of a reply, keeping the field it names. */
  public static MarathonReplyException of(String request, io.zdd.common.error.InvalidInputException e) {
    String prefix = e.field() + ": ";
    String detail = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
    return new MarathonReplyException(request, e.field(), detail);
  }

  /** Dotted path of the offending field in the reply, e.g. {@code apps[2].tasks[0].id}. */
  public String field() {
    return field;
  }
}
