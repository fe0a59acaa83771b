package io.zdd.common.error;

/** Bad input from a caller: nothing has been changed. Names the offending field. */
public final class InvalidInputException extends ZddException {
  private final String field;
  private final String reason;

  public InvalidInputException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
    this.reason = message;
  }

  /** What is wrong with the field, without its name. */
  public String reason() {
    return reason;
  }

  /** The dotted path of the field that was wrong, e.g. {@code backend_set.servers[2].port}. */
  public String field() {
    return field;
  }
}
