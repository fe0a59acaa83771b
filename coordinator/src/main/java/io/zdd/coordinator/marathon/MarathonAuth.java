package io.zdd.coordinator.marathon;

import java.util.Optional;

/**
 * Supplies the {@code Authorization} header for Marathon calls. Implementations hold secrets:
 * their {@code toString()} redacts them, and nothing they log or throw contains them.
 */
public interface MarathonAuth {
  /** No authentication. */
  MarathonAuth NONE = new MarathonAuth() {
    @Override
    public Optional<String> authorization() {
      return Optional.empty();
    }

    @Override
    public boolean refreshAfterUnauthorized() {
      return false;
    }

    @Override
    public String toString() {
      return "MarathonAuth[none]";
    }
  };

  /** The header value to send now, logging in first if needed; empty to send none. */
  Optional<String> authorization();

  /**
   * Marathon answered 401: obtain fresh credentials if this scheme can. Returns true when the
   * request is worth repeating once with the new {@link #authorization()}.
   */
  boolean refreshAfterUnauthorized();
}
