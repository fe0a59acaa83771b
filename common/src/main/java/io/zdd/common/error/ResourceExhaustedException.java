package io.zdd.common.error;

/**
 * A configured bound is reached (streams open, watchers queued): nothing was changed; the same
 * call may succeed once something was released.
 */
public final class ResourceExhaustedException extends ZddException {
  public ResourceExhaustedException(String message) {
    super(message);
  }
}
