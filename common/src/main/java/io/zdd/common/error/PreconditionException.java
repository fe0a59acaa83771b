package io.zdd.common.error;

/**
 * The system is not in a state where the request can run (wrong phase, missing capability such
 * as CAP_NET_ADMIN). Retrying unchanged will not help until the state changes.
 */
public final class PreconditionException extends ZddException {
  public PreconditionException(String message) {
    super(message);
  }

  public PreconditionException(String message, Throwable cause) {
    super(message, cause);
  }
}
