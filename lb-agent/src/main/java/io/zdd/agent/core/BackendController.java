package io.zdd.agent.core;

import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HaproxyWorker;
import io.zdd.common.model.ObservedBackend;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the agent's gRPC edge needs from the HAProxy side. Epoch fencing and version ordering are
 * done by the caller (the edge, with the persisted epoch store) before these are called; the
 * implementation only makes HAProxy match the desired state and reports what it sees.
 * Implementations are thread-safe: changes to one group run one at a time (under that group's
 * lock, see {@link #withGroup}), changes to different groups do not wait for each other.
 */
public interface BackendController {
  /**
   * Runs {@code action} holding the group's lock, the one its changes take, waiting at most a
   * bound of the implementation's and the caller's {@code CallDeadline} (DEADLINE_EXCEEDED, or
   * UNAVAILABLE when the lock stayed busy for its own bound). The edge's "check the fence,
   * change, commit" of one group is then one step for every other change to the group. Reentrant:
   * {@link #apply} and {@link #removeGroup} of the same group inside {@code action} do not wait.
   */
  <T> T withGroup(GroupName group, Supplier<T> action);

  /**
   * Makes HAProxy serve exactly {@code desired}: runtime API for server changes, a validated
   * seamless reload only when the frontend/backend itself is new or changed. Idempotent.
   *
   * @param epoch the epoch the change was accepted under (recorded in the read-back)
   * @throws io.zdd.common.error.InvalidInputException when HAProxy rejects the rendered config
   *     (the running config is untouched then)
   */
  ApplyResult apply(BackendSet desired, Epoch epoch);

  /** Drops a group's frontend and backend; false when the group did not exist. */
  boolean removeGroup(GroupName group);

  /** Every group currently managed, as HAProxy reports it. */
  List<ObservedBackend> observe();

  /** The desired set of every group currently managed (recovered ones included), by group. */
  Map<GroupName, BackendSet> desired();

  /** Master, current and old workers. */
  List<HaproxyWorker> workers();

  /** HAProxy version string, e.g. "2.6.12-1+deb12u4". */
  String haproxyVersion();
}
