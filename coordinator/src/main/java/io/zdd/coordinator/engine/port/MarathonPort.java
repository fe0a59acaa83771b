package io.zdd.coordinator.engine.port;

import java.util.Collection;
import java.util.List;

/**
 * What the engine needs from Marathon. Every call has a deadline in the adapter. Errors are the
 * common exceptions: {@link io.zdd.common.error.ConflictException} (409, app locked by a
 * deployment), {@link io.zdd.common.error.InvalidInputException} (422),
 * {@link io.zdd.common.error.UnavailableException} (5xx, timeouts, connection failures) and
 * {@link io.zdd.common.error.NotFoundException} (404).
 */
public interface MarathonPort {
  /** Apps whose HAPROXY_DEPLOYMENT_GROUP label equals {@code group}, with their tasks. */
  List<AppStatus> listAppsInGroup(String group);

  /** One app with its tasks; NotFoundException when it does not exist. */
  AppStatus getApp(String appId);

  /** {@code POST /v2/apps}. */
  void createApp(AppDefinition app);

  /** {@code PUT /v2/apps/{id}} with {@code {"instances": n}}; absolute, so idempotent. */
  void scaleApp(String appId, int instances);

  /** {@code POST /v2/tasks/delete?scale=true}: kills the tasks and lowers the app's instances. */
  void killTasksAndScale(String appId, Collection<String> taskIds);

  /** {@code DELETE /v2/apps/{id}}. */
  void deleteApp(String appId);
}
