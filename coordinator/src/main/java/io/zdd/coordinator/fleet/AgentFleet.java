package io.zdd.coordinator.fleet;

import io.grpc.ManagedChannel;
import io.zdd.common.concurrent.Backoff;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ConnectionSample;
import io.zdd.coordinator.engine.LbGroups;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection per agent the directory lists: a channel, an {@link AgentClient} for unary
 * calls and a {@link ConnectionSubscription} for the streamed counts. Follows the directory:
 * new agents are connected, vanished ones closed, moved ones reconnected.
 */
public final class AgentFleet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentFleet.class);

  /** Everything the fleet holds for one agent. */
  public record Member(AgentEndpoint endpoint, ManagedChannel channel, AgentClient client,
      ConnectionSubscription subscription) {}

  private final AgentDirectory directory;
  private final Function<AgentEndpoint, ManagedChannel> channelFactory;
  private final Duration callDeadline;
  private final WatchConnectionsRequest watchRequest;
  private final ScheduledExecutorService scheduler;
  private final Supplier<Backoff> backoffs;
  private final Clock clock;
  private final Consumer<ConnectionSample> sampleListener;
  private final Map<AgentId, Member> members = new HashMap<>();
  private boolean closed;

  public AgentFleet(AgentDirectory directory, Function<AgentEndpoint, ManagedChannel> channelFactory,
      Duration callDeadline, WatchConnectionsRequest watchRequest, ScheduledExecutorService scheduler,
      Supplier<Backoff> backoffs, Clock clock, Consumer<ConnectionSample> sampleListener) {
    this.directory = directory;
    this.channelFactory = channelFactory;
    this.callDeadline = callDeadline;
    this.watchRequest = watchRequest;
    this.scheduler = scheduler;
    this.backoffs = backoffs;
    this.clock = clock;
    this.sampleListener = sampleListener;
  }

  public void start() {
    directory.addListener(this::follow);
  }

  private synchronized void follow(Map<AgentId, AgentEndpoint> agents) {
    if (closed) {
      return;
    }
    for (var it = members.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      AgentEndpoint now = agents.get(e.getKey());
      if (now == null || !now.address().equals(e.getValue().endpoint().address())) {
        log.info("[agent={}] {}; closing its connection", e.getKey(), now == null ? "gone" : "moved to " + now.address());
        closeMember(e.getValue());
        it.remove();
      }
    }
    for (AgentEndpoint e : agents.values()) {
      Member m = members.get(e.id());
      if (m == null) {
        ManagedChannel ch = channelFactory.apply(e);
        ConnectionSubscription sub = new ConnectionSubscription(e.id(), ch, watchRequest, scheduler,
            backoffs.get(), clock, sampleListener);
        members.put(e.id(), new Member(e, ch, new AgentClient(e.id(), ch, callDeadline), sub));
        log.info("[agent={}] connecting to {}", e.id(), e.address());
        sub.start();
      } else if (!m.endpoint().equals(e)) {
        // Same address, new self-description (groups, version): keep the connection.
        members.put(e.id(), new Member(e, m.channel(), m.client(), m.subscription()));
      }
    }
  }

  /** The deadline of every unary call to an agent (each call's own, from its start). */
  public Duration callDeadline() {
    return callDeadline;
  }

  public synchronized List<Member> members() {
    return List.copyOf(members.values());
  }

  public synchronized Optional<Member> member(AgentId id) {
    return Optional.ofNullable(members.get(id));
  }

  /**
   * The agents of deployment group {@code group}, sorted by id: members of the app's Marathon-LB
   * groups, and every agent still holding the group's servers (its registration or its latest
   * connection sample says so), whatever its membership.
   */
  public synchronized List<Member> serving(String group, LbGroups lbGroups) {
    return members.values().stream()
        .filter(m -> m.endpoint().serves(lbGroups) || m.endpoint().holds(group) || sampleHolds(m, group))
        .sorted(Comparator.comparing(m -> m.endpoint().id()))
        .toList();
  }

  private static boolean sampleHolds(Member m, String group) {
    return m.subscription().latest()
        .map(s -> s.servers().stream().anyMatch(c -> c.group().value().equals(group)))
        .orElse(false);
  }

  private static void closeMember(Member m) {
    m.subscription().close();
    m.channel().shutdown();
    try {
      if (!m.channel().awaitTermination(2, TimeUnit.SECONDS)) {
        m.channel().shutdownNow();
      }
    } catch (InterruptedException e) {
      m.channel().shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    members.values().forEach(AgentFleet::closeMember);
    members.clear();
  }
}
