package io.zdd.agent.grpc;

import io.zdd.common.model.GroupName;

/**
 * Cuts every session still open on one server of a group (HAProxy {@code shutdown sessions
 * server}): the SHUTDOWN drain policy at max-wait. The edge's seam to the HAProxy layer for the
 * ShutdownSessions call; the agent wires {@code HaproxyBackendController#shutdownSessions}, which
 * reaches the current worker and every old one.
 */
@FunctionalInterface
public interface SessionShutdown {
  /**
   * @return the sessions the server held just before they were cut, over all workers
   * @throws io.zdd.common.error.NotFoundException when the group or the server is unknown
   */
  int shutdown(GroupName group, String server);
}
