package io.zdd.common.error;

/** A remote call or a wait ran past its deadline. */
public final class DeadlineExceededException extends ZddException {
  public DeadlineExceededException(String message) {
    super(message);
  }

  public DeadlineExceededException(String message, Throwable cause) {
    super(message, cause);
  }
}
