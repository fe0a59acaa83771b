package io.zdd.agent.haproxy;

import io.zdd.common.error.InvalidInputException;
import java.util.Locale;

/**
 * When {@link HaproxyBackendController} writes {@code zdd.cfg} for a change (the agent's
 * {@code --config-sync}).
 */
public enum ConfigSync {
  /**
   * Before every change: render, {@code haproxy -c}, fsync, rename, then the runtime commands.
   * Kept to measure the fast path against it.
   */
  ALWAYS,
  /**
   * Before a change only when a group's structure changes (the file step, with
   * {@code haproxy -c}, and the reload). A change of servers only (weights, admin states,
   * addresses, servers added or removed within the group's backends) is answered from the runtime
   * API alone; the file follows in the background, without {@code haproxy -c}.
   */
  STRUCTURE;

  /** The flag's spelling: {@code always} or {@code structure}. */
  public static ConfigSync parse(String flag, String value) {
    for (ConfigSync c : values()) {
      if (c.flagValue().equals(value == null ? "" : value.strip().toLowerCase(Locale.ROOT))) {
        return c;
      }
    }
    throw new InvalidInputException(flag, "must be 'always' or 'structure', got '" + value + "'");
  }

  public String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
