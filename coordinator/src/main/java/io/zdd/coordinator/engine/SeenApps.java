package io.zdd.coordinator.engine;

import io.zdd.coordinator.engine.port.AppStatus;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The apps as this deployment's ticks last read them from Marathon, and when. Lets a tick that
 * decides a traffic step from the record and the clock alone send the step's split first, composed
 * from what an earlier tick just read, and read Marathon after the send. Belongs to the ticking
 * thread, like the other parts of a {@link Deployment}; a new leader starts without any.
 */
final class SeenApps {
  /** One read: the app, or empty when Marathon said it does not exist. */
  private record Seen(Optional<AppStatus> app, Instant at) {}

  private final Map<String, Seen> seen = new HashMap<>();

  void saw(String appId, Optional<AppStatus> app, Instant at) {
    seen.put(appId, new Seen(app, at));
  }

  /** The app as last read after {@code after}; empty when it was not read since (outer empty). */
  Optional<Optional<AppStatus>> readAfter(String appId, Instant after) {
    Seen s = seen.get(appId);
    return s == null || !s.at().isAfter(after) ? Optional.empty() : Optional.of(s.app());
  }
}
