package io.zdd.common.error;

/** The request conflicts with work in progress, e.g. a group that already has a deployment. */
public final class ConflictException extends ZddException {
  public ConflictException(String message) {
    super(message);
  }
}
