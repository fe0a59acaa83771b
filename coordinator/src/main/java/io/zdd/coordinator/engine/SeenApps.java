package io.zdd.coordinator.engine;

import io.zdd.common.error.NotFoundException;
import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.MarathonPort;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One deployment's Marathon: every call goes to Marathon, and the apps its ticks read are
 * remembered with when they were read, until the deployment's next write to Marathon (which may
 * change them). Lets a tick that decides a traffic step from the record and the clock alone send
 * the step's split first, composed from what the tick before read, and read Marathon after the
 * send. A new leader's deployment starts without any.
 */
final class SeenApps implements MarathonPort {
  /** One read: the app, or empty when Marathon said it does not exist. */
  private record Seen(Optional<AppStatus> app, Instant at) {}

  private final MarathonPort marathon;
  private final Clock clock;
  // Read by the ticking thread; a concurrent map only because nothing here needs a lock.
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  SeenApps(MarathonPort marathon, Clock clock) {
    this.marathon = marathon;
    this.clock = clock;
  }

  /** The app as last read after {@code after}; empty when it was not read since (outer empty). */
  Optional<Optional<AppStatus>> readAfter(String appId, Instant after) {
    Seen s = seen.get(appId);
    return s == null || !s.at().isAfter(after) ? Optional.empty() : Optional.of(s.app());
  }

  @Override
  public List<AppStatus> listAppsInGroup(String group) {
    return marathon.listAppsInGroup(group);
  }

  @Override
  public AppStatus getApp(String appId) {
    try {
      AppStatus app = marathon.getApp(appId);
      seen.put(appId, new Seen(Optional.of(app), clock.instant()));
      return app;
    } catch (NotFoundException e) {
      seen.put(appId, new Seen(Optional.empty(), clock.instant()));
      throw e;
    }
  }

  @Override
  public void createApp(AppDefinition app) {
    seen.clear();
    marathon.createApp(app);
  }

  @Override
  public void scaleApp(String appId, int instances) {
    seen.clear();
    marathon.scaleApp(appId, instances);
  }

  @Override
  public void killTasksAndScale(String appId, Collection<String> taskIds) {
    seen.clear();
    marathon.killTasksAndScale(appId, taskIds);
  }

  @Override
  public void deleteApp(String appId) {
    seen.clear();
    marathon.deleteApp(appId);
  }
}
