package io.zdd.common.error;

/** A dependency (HAProxy, Marathon, ZooKeeper, an agent) did not answer; retrying may help. */
public final class UnavailableException extends ZddException {
  public UnavailableException(String message) {
    super(message);
  }

  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
