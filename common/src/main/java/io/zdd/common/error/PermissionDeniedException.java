package io.zdd.common.error;

/** The caller is known but may not do this (its role or scope does not cover it). Nothing changed. */
public final class PermissionDeniedException extends ZddException {
  public PermissionDeniedException(String message) {
    super(message);
  }
}
