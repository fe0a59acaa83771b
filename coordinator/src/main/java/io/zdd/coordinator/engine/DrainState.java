package io.zdd.coordinator.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The drain being waited on now, a part of the {@link DeploymentRecord}: which tasks, since when,
 * and what max-wait already did about it. Its fields change together: a drain starts with all of
 * them reset ({@link #of}) and ends with {@link #NONE}, so nothing of one drain leaks into the next.
 * Blue tasks drain during a rollout, green tasks during a rollback (see {@link Drain}).
 *
 * @param taskIds tasks whose drain is being waited on
 * @param startedAt when that drain started; null when none
 * @param shutdownAt when sessions were shut down (SHUTDOWN policy at max-wait); null otherwise
 * @param warned the max-wait warning was emitted for this drain
 */
public record DrainState(List<String> taskIds, Instant startedAt, Instant shutdownAt, boolean warned) {
  /** No drain in progress. */
  public static final DrainState NONE = new DrainState(List.of(), null, null, false);

  public DrainState {
    taskIds = taskIds == null ? List.of() : List.copyOf(taskIds);
  }

  /** A drain of {@code taskIds} starting {@code at}. */
  public static DrainState of(List<String> taskIds, Instant at) {
    return new DrainState(taskIds, at, null, false);
  }

  /** True once {@code maxWait} has passed since the drain started. */
  boolean pastMaxWait(Instant now, Duration maxWait) {
    return startedAt != null && !now.isBefore(startedAt.plus(maxWait));
  }

  /** True once {@code maxWait} has passed since sessions were shut down (false if they were not). */
  boolean pastMaxWaitAfterShutdown(Instant now, Duration maxWait) {
    return shutdownAt != null && !now.isBefore(shutdownAt.plus(maxWait));
  }

  DrainState sessionsShutDown(Instant at) {
    return new DrainState(taskIds, startedAt, at, warned);
  }

  DrainState warningEmitted() {
    return new DrainState(taskIds, startedAt, shutdownAt, true);
  }
}
