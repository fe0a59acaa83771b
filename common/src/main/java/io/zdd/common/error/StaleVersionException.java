package io.zdd.common.error;

/** A backend set older than the one already applied (same epoch) was offered. */
public final class StaleVersionException extends ZddException {
  public StaleVersionException(String group, long offered, long applied) {
    super("group " + group + ": version " + offered + " is older than applied version " + applied);
  }
}
