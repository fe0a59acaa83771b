package io.zdd.common.error;

/** The named thing (deployment, group, app) does not exist. */
public final class NotFoundException extends ZddException {
  public NotFoundException(String message) {
    super(message);
  }
}
