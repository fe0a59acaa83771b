package io.zdd.coordinator.fleet;

import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per agent and group, the backend set the agent last acknowledged: epoch, version and content
 * fingerprint, with its read-back. An agent that already holds exactly the set being sent need not
 * get it again; its last real read-back answers instead.
 *
 * <p>An acknowledgement stops counting when anything suggests the agent may have lost or changed
 * the set: its connection stream reopened (an agent restart breaks the stream, and a restarted
 * agent recovers its groups from its config file, which may be older), its stream is down, its
 * registration or connection changed (a new {@link AgentFleet.Member}), a call to it failed, or
 * {@link #recheckAfter} has passed since the read-back (so a drift nobody announced, such as a
 * weight changed by hand on HAProxy's socket, is corrected by a real re-send). It also does not
 * count while the read-back shows a READY server that is not UP: the engine waits for such a
 * server's check to pass, and only a real call reads that back.
 */
final class AcknowledgedSets {
  /** What one agent acknowledged for one group, and on which connection. */
  private record Ack(AgentFleet.Member member, long streamsOpened, Epoch epoch, long version, String fingerprint,
      ApplyResult readBack, Instant at) {}

  private record Key(AgentId agent, GroupName group) {}

  private final Map<Key, Ack> acks = new ConcurrentHashMap<>();
  private final Clock clock;
  private final Duration recheckAfter;

  AcknowledgedSets(Clock clock, Duration recheckAfter) {
    this.clock = clock;
    this.recheckAfter = recheckAfter;
  }

  /** What identifies the member's current connection stream; taken before a call is sent. */
  static long streamOf(AgentFleet.Member m) {
    return m.subscription().streamsOpened();
  }

  /**
   * The agent's last real read-back when it holds exactly {@code set} (same epoch, version and
   * fingerprint) on the connection it acknowledged it on, recently, with nothing in it to wait for.
   */
  Optional<ApplyResult> held(AgentFleet.Member m, BackendSet set, String fingerprint, Epoch epoch) {
    Ack a = acks.get(new Key(m.endpoint().id(), set.group()));
    if (a == null) {
      return Optional.empty();
    }
    boolean same = a.member().equals(m) && m.subscription().connected() && a.streamsOpened() == streamOf(m)
        && a.epoch().equals(epoch) && a.version() == set.version() && a.fingerprint().equals(fingerprint)
        && clock.instant().isBefore(a.at().plus(recheckAfter));
    return same && settled(set, a.readBack().observed()) ? Optional.of(a.readBack()) : Optional.empty();
  }

  /**
   * The agent answered {@code set} with {@code readBack}; kept only when the read-back shows this
   * very epoch and version applied (an agent that holds a newer version does not hold this one).
   *
   * @param streamAtSend {@link #streamOf} taken before the call: a stream reopened meanwhile makes
   *     the acknowledgement count for nothing at the next look
   */
  void answered(AgentFleet.Member m, long streamAtSend, BackendSet set, String fingerprint, Epoch epoch,
      ApplyResult readBack) {
    Key k = new Key(m.endpoint().id(), set.group());
    ObservedBackend ob = readBack.observed();
    if (ob.appliedVersion() == set.version() && epoch.equals(ob.appliedEpoch())) {
      acks.put(k, new Ack(m, streamAtSend, epoch, set.version(), fingerprint, readBack, clock.instant()));
    } else {
      acks.remove(k);
    }
  }

  /** A call to the agent about {@code group} failed: whatever it held, it gets the next set again. */
  void failed(AgentId agent, GroupName group) {
    acks.remove(new Key(agent, group));
  }

  /** Forgets the group's acknowledgements by agents not among {@code serving} (gone, or no longer serving it). */
  void retainOnly(GroupName group, Collection<AgentId> serving) {
    acks.keySet().removeIf(k -> k.group().equals(group) && !serving.contains(k.agent()));
  }

  /** True when the read-back shows every desired server as desired, and every READY one UP. */
  static boolean settled(BackendSet set, ObservedBackend ob) {
    for (BackendServer s : set.servers()) {
      Optional<ObservedServer> o = ob.server(s.name());
      if (o.isEmpty() || o.get().weight() != s.weight() || o.get().adminState() != s.adminState()) {
        return false;
      }
      if (s.adminState() == AdminState.READY && !o.get().isUp()) {
        return false;
      }
    }
    return true;
  }
}
