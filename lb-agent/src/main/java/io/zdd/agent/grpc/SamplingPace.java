package io.zdd.agent.grpc;

import io.zdd.agent.core.ConnectionSampler;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerConnections;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the agent's shared reading of HAProxy must run at the fast pace the watches asked for,
 * or may slow to the idle pace. The coordinator watches every agent all the time, so the agent
 * decides: fast during the hot window after a write command (a drain may just have started) and
 * while a server that is out of service still holds connections (a drain is under way and the
 * coordinator waits for the count to reach 0); idle otherwise. Pure: the caller supplies time and
 * state.
 *
 * @param idleInterval the pace when nothing needs watching closely; zero means always fast
 * @param hotWindow how long after a write command the pace stays fast
 */
public record SamplingPace(Duration idleInterval, Duration hotWindow) {
  /** The behaviour before idle pacing: every reading at the fast pace. */
  public static final SamplingPace ALWAYS_FAST = new SamplingPace(Duration.ZERO, Duration.ZERO);

  public SamplingPace {
    if (idleInterval.isNegative() || hotWindow.isNegative()) {
      throw new IllegalArgumentException("negative durations: " + idleInterval + ", " + hotWindow);
    }
  }

  /**
   * The delay before the next reading.
   *
   * @param fast the shortest interval among the open watches
   * @param hotUntil end of the hot window of the last write command
   * @param drainUnderWay what {@link #drainUnderWay} said of the last reading
   */
  public Duration next(Duration fast, Instant now, Instant hotUntil, boolean drainUnderWay) {
    if (idleInterval.isZero() || drainUnderWay || now.isBefore(hotUntil)) {
      return fast;
    }
    // A watch asking for a longer interval than the idle pace gets its own.
    return idleInterval.compareTo(fast) > 0 ? idleInterval : fast;
  }

  /**
   * True when a server of a managed group that is out of service (DRAIN or MAINT in HAProxy or
   * in the desired set, weight 0, or no longer in the desired set: retired) still has sessions
   * or queued requests in some worker.
   */
  public static boolean drainUnderWay(ConnectionSampler.Counts reading, Map<GroupName, BackendSet> desired) {
    for (ServerConnections c : reading.servers()) {
      BackendSet set = desired.get(c.group());
      if (set == null || (c.scur() == 0 && c.qcur() == 0 && c.oldWorkerScur() == 0)) {
        continue;
      }
      if (outOfService(c, set.server(c.server()))) {
        return true;
      }
    }
    return false;
  }

  private static boolean outOfService(ServerConnections observed, Optional<BackendServer> wanted) {
    if (observed.adminState() != AdminState.READY) {
      return true;
    }
    return wanted.map(s -> s.weight() == 0 || s.adminState() != AdminState.READY).orElse(true);
  }
}
