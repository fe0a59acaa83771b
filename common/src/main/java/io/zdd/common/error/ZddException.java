package io.zdd.common.error;

/**
 * Root of zdd's domain exceptions. Domain code throws these; only {@link
 * io.zdd.common.grpc.StatusMapper} turns them into gRPC statuses, at the edge.
 */
public abstract class ZddException extends RuntimeException {
  protected ZddException(String message) {
    super(message);
  }

  protected ZddException(String message, Throwable cause) {
    super(message, cause);
  }
}
