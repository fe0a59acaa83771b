package io.zdd.common.error;

import java.util.Optional;

/** A write reached a standby coordinator. Carries the leader's address when one is known. */
public final class NotLeaderException extends ZddException {
  /** How the message names the leader, for people; clients follow the typed detail (StatusMapper.NOT_LEADER). */
  public static final String LEADER_PREFIX = "leader=";

  private final String leader;

  public NotLeaderException(String leader) {
    super("this coordinator is not the leader; "
        + (leader == null || leader.isEmpty() ? "no leader is known" : LEADER_PREFIX + leader));
    this.leader = leader == null ? "" : leader;
  }

  public Optional<String> leader() {
    return leader.isEmpty() ? Optional.empty() : Optional.of(leader);
  }
}
