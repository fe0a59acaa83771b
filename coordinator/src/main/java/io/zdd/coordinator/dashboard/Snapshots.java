package io.zdd.coordinator.dashboard;

import io.zdd.common.model.AgentStateView;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.MarathonPort;
import io.zdd.coordinator.fleet.AgentFleet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the dashboard shows of Marathon (a group's apps and tasks) and of each agent (its
 * {@code GetState}: epoch, weights), fetched in the background at most once per
 * {@link #MAX_AGE} per key however many pages poll, so viewers never multiply the calls to
 * Marathon or the agents. A read answers with what is cached (empty at first) and asks for a
 * refresh when it is older than that.
 */
final class Snapshots {
  private static final Logger log = LoggerFactory.getLogger(Snapshots.class);
  static final Duration MAX_AGE = Duration.ofSeconds(1);
  /** Keys kept at most (groups and agents); more are not fetched. */
  private static final int MAX_KEYS = 500;

  private record Entry<T>(Optional<T> value, Instant fetchedAt, boolean fetching) {}

  private final MarathonPort marathon;
  private final AgentFleet fleet;
  private final Executor background;
  private final Clock clock;
  private final Map<String, Entry<List<AppStatus>>> apps = new ConcurrentHashMap<>();
  private final Map<String, Entry<AgentStateView>> agents = new ConcurrentHashMap<>();

  Snapshots(MarathonPort marathon, AgentFleet fleet, Executor background, Clock clock) {
    this.marathon = marathon;
    this.fleet = fleet;
    this.background = background;
    this.clock = clock;
  }

  /** The Marathon apps of a deployment group, as last fetched. */
  List<AppStatus> apps(String group) {
    return read(apps, group, () -> marathon.listAppsInGroup(group)).orElse(List.of());
  }

  /** An agent's state, as last fetched. */
  Optional<AgentStateView> agent(String agentId) {
    return read(agents, agentId, () -> fleet.members().stream()
        .filter(m -> m.endpoint().id().value().equals(agentId)).findFirst()
        .map(m -> m.client().state())
        .orElseThrow(() -> new IllegalStateException("agent " + agentId + " is gone")));
  }

  private interface Fetch<T> {
    T get();
  }

  private <T> Optional<T> read(Map<String, Entry<T>> cache, String key, Fetch<T> fetch) {
    Instant now = clock.instant();
    Entry<T> e = cache.get(key);
    if (e == null && cache.size() >= MAX_KEYS) {
      return Optional.empty();
    }
    boolean stale = e == null || e.fetchedAt().plus(MAX_AGE).isBefore(now);
    if (stale && (e == null || !e.fetching())) {
      Entry<T> marked = new Entry<>(e == null ? Optional.empty() : e.value(), e == null ? Instant.EPOCH : e.fetchedAt(), true);
      boolean won = e == null ? cache.putIfAbsent(key, marked) == null : cache.replace(key, e, marked);
      if (won) {
        try {
          background.execute(() -> {
            Optional<T> value = marked.value();
            try {
              value = Optional.of(fetch.get());
            } catch (RuntimeException failed) {
              log.debug("dashboard refresh of {} failed: {}", key, failed.getMessage());
            }
            cache.put(key, new Entry<>(value, clock.instant(), false));
          });
        } catch (RejectedExecutionException busy) {
          cache.put(key, new Entry<>(marked.value(), marked.fetchedAt(), false));
        }
      }
    }
    Entry<T> now2 = cache.get(key);
    return now2 == null ? Optional.empty() : now2.value();
  }
}
