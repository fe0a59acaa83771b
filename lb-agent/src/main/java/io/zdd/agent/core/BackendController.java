package io.zdd.agent.core;

import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HaproxyWorker;
import io.zdd.common.model.ObservedBackend;
import java.util.List;
import java.util.Map;

/**
 * What the agent's gRPC edge needs from the HAProxy side. Epoch fencing and version ordering are
 * done by the caller (the edge, with the persisted epoch store) before these are called; the
 * implementation only makes HAProxy match the desired state and reports what it sees.
 * Implementations are thread-safe (one apply at a time, internally serialised).
 */
public interface BackendController {
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
