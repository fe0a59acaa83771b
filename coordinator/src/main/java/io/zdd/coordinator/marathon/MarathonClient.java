package io.zdd.coordinator.marathon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * The Marathon REST calls zdd makes. Every call has a deadline. Failures are zdd's domain
 * exceptions:
 * <ul>
 *   <li>{@link io.zdd.common.error.NotFoundException}: 404 (no such app or task)</li>
 *   <li>{@link io.zdd.common.error.InvalidInputException}: 400/422, with Marathon's message and
 *       details; nothing was changed</li>
 *   <li>{@link io.zdd.common.error.ConflictException}: 409, the app stayed locked by a deployment
 *       past the configured wait and the policy says not to force</li>
 *   <li>{@link io.zdd.common.error.PreconditionException}: 401/403 after re-authenticating, or
 *       another 4xx</li>
 *   <li>{@link io.zdd.common.error.UnavailableException}: 5xx or a network error (after retries for
 *       idempotent calls)</li>
 *   <li>{@link io.zdd.common.error.DeadlineExceededException}: no answer within the deadline; for a
 *       write the outcome is unknown and the caller must re-read</li>
 *   <li>{@link MarathonReplyException}: Marathon answered with JSON zdd cannot read</li>
 * </ul>
 * App ids may be given with or without their leading slash.
 */
public interface MarathonClient {

  /** {@code GET /v2/apps?embed=apps.tasks}: every app, with its tasks. */
  List<MarathonApp> listApps();

  /**
   * {@code GET /v2/apps?embed=apps.tasks&label=<selector>}: apps matching a Marathon label selector,
   * e.g. {@code HAPROXY_DEPLOYMENT_GROUP==nginx} or {@code HAPROXY_DEPLOYMENT_GROUP}.
   */
  List<MarathonApp> listApps(String labelSelector);

  /** {@code GET /v2/apps/{id}}: one app with its tasks and deployments. */
  MarathonApp getApp(String appId);

  /** {@code POST /v2/apps}: creates the app (Marathon answers 201 with it). Never retried. */
  MarathonApp createApp(ObjectNode definition);

  /**
   * {@code PUT /v2/apps/{id}[?force=true]} with a full or partial definition. A 409 "locked by a
   * deployment" is waited out, then forced or failed by the client's {@link LockedAppPolicy}.
   */
  MarathonDeploymentRef updateApp(String appId, ObjectNode definition, boolean force);

  /**
   * {@code PUT /v2/apps/{id}[?force=true]} with {@code {"instances": n}}. An absolute count, so
   * it is retried on 5xx and network errors; 409 is handled as in {@link #updateApp}.
   */
  MarathonDeploymentRef scaleApp(String appId, int instances, boolean force);

  /**
   * {@code POST /v2/tasks/delete?scale=<scale>} with {@code {"ids": [...]}}. With {@code scale}
   * Marathon lowers the apps' instance counts and answers with a deployment; without it, the
   * tasks are replaced and there is no deployment (empty result).
   */
  Optional<MarathonDeploymentRef> killTasks(List<String> taskIds, boolean scale);

  /** {@code DELETE /v2/apps/{id}}. 409 is handled as in {@link #updateApp}. */
  MarathonDeploymentRef deleteApp(String appId);

  /** {@code GET /v2/info}. */
  MarathonInfo info();

  /** {@code GET /ping}: true when Marathon answers 2xx within the deadline, never throws. */
  boolean ping();
}
