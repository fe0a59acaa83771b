package io.zdd.agent.grpc;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.zdd.common.concurrent.BoundedLock;
import io.zdd.common.grpc.UnaryCall;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.zdd.agent.core.BackendController;
import io.zdd.agent.core.ConnectionSampler;
import io.zdd.agent.firewall.PortSwapper;
import io.zdd.agent.firewall.SwapResult;
import io.zdd.agent.state.EpochStore;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.ResourceExhaustedException;
import io.zdd.common.error.ZddException;
import io.zdd.common.grpc.ProtoMapper;
import io.zdd.common.grpc.StatusMapper;
import io.zdd.common.logging.LogContext;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.AgentStateView;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.ColourFrontend;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.PortRedirect;
import io.zdd.common.model.ServerTraffic;
import io.zdd.common.model.Validation;
import io.zdd.proto.v1.AgentState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.ApplyBackendsResponse;
import io.zdd.proto.v1.ConnectionSample;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.RemoveGroupRequest;
import io.zdd.proto.v1.ResetFenceRequest;
import io.zdd.proto.v1.ResetFenceResponse;
import io.zdd.common.tls.PeerAuthentication;
import io.zdd.proto.v1.RemoveGroupResponse;
import io.zdd.proto.v1.ReadTrafficRequest;
import io.zdd.proto.v1.ShutdownSessionsRequest;
import io.zdd.proto.v1.ShutdownSessionsResponse;
import io.zdd.proto.v1.SwapPortRequest;
import io.zdd.proto.v1.SwapPortResponse;
import io.zdd.proto.v1.TrafficReading;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's gRPC edge, and only an edge: messages become validated records (ProtoMapper),
 * mutating calls are fenced by epoch and version (EpochStore: checked before acting, committed once
 * the change was carried out, so a refused call moves nothing), the work
 * is delegated to the HAProxy layer ({@link BackendController}, {@link ConnectionSampler}) and to
 * the {@link PortSwapper}, and every failure becomes a status through {@link StatusMapper} alone.
 * Bad input is refused before anything is called or persisted.
 *
 * <p>A group's check, act and commit run under that group's lock, which is the controller's own
 * ({@link BackendController#withGroup}): one lock per group in the agent, so two calls for one
 * group cannot be checked in one order and carried out in the other, calls for different groups
 * do not wait for each other, and the wait is bounded (and ended by the caller's deadline).
 */
public final class LbAgentService extends LbAgentGrpc.LbAgentImplBase {
  private static final Logger log = LoggerFactory.getLogger(LbAgentService.class);

  /** Stream settings: defaults and the floor for a client's requested interval. */
  public record StreamSettings(Duration defaultInterval, Duration minInterval, Duration defaultHeartbeat) {
    public static final StreamSettings DEFAULTS =
        new StreamSettings(Duration.ofMillis(250), Duration.ofMillis(50), Duration.ofSeconds(5));
  }

  /**
   * What a caller may make the agent hold (docs/operations.md §2.1): groups managed at once
   * ({@code --max-groups}; a new group beyond it is FAILED_PRECONDITION: the request is fine, the
   * agent's state does not allow it until a group is removed), servers in one backend set
   * ({@code --max-servers-per-backend}; more is INVALID_ARGUMENT naming {@code backend_set.servers})
   * and WatchConnections streams open at once ({@code --max-streams}; RESOURCE_EXHAUSTED until one
   * ends).
   */
  public record Limits(int maxGroups, int maxServersPerBackend, int maxStreams) {
    public static final Limits DEFAULTS = new Limits(200, 1000, 64);

    public Limits {
      Validation.within("--max-groups", maxGroups, 1, 10_000);
      Validation.within("--max-servers-per-backend", maxServersPerBackend, 1, 100_000);
      Validation.within("--max-streams", maxStreams, 1, 10_000);
    }
  }

  private final AgentId agentId;
  private final EpochStore epochs;
  private final BackendController controller;
  private final PortSwapper portSwapper;
  private final SessionShutdown sessionShutdown;
  private final StreamSettings streams;
  private final Limits limits;
  private final SharedConnectionSampling sampling;
  @GuardedBy("this")
  private final Set<GroupName> groupsBeingAdded = new HashSet<>();
  private final BoundedLock swapLock = new BoundedLock("the port redirects", Duration.ofSeconds(60));
  @GuardedBy("publishers")
  private final Set<ConnectionStreamPublisher> publishers = new HashSet<>();
  private volatile boolean closing;

  public LbAgentService(AgentId agentId, EpochStore epochs, BackendController controller, ConnectionSampler sampler,
      PortSwapper portSwapper, SessionShutdown sessionShutdown, ScheduledExecutorService scheduler, Clock clock,
      StreamSettings streams, Limits limits) {
    this(agentId, epochs, controller, portSwapper, sessionShutdown, streams, limits,
        new SharedConnectionSampling(sampler, scheduler, clock, SamplingPace.ALWAYS_FAST, controller::desired));
  }

  /**
   * With the agent's shared reading of HAProxy (also the metrics endpoint's), paced by its
   * {@link SamplingPace}: every write command here wakes it.
   */
  public LbAgentService(AgentId agentId, EpochStore epochs, BackendController controller, PortSwapper portSwapper,
      SessionShutdown sessionShutdown, StreamSettings streams, Limits limits, SharedConnectionSampling sampling) {
    this.agentId = agentId;
    this.epochs = epochs;
    this.controller = controller;
    this.portSwapper = portSwapper;
    this.sessionShutdown = sessionShutdown;
    this.streams = streams;
    this.limits = limits;
    this.sampling = sampling;
  }

  @Override
  public void applyBackends(ApplyBackendsRequest request, StreamObserver<ApplyBackendsResponse> response) {
    write(response, () -> {
      if (!request.hasBackendSet()) {
        throw new InvalidInputException("backend_set", "is required");
      }
      BackendSet set = backendSet(request.getBackendSet(), limits.maxServersPerBackend());
      Epoch epoch = epoch(request.getEpoch());
      try (LogContext g = LogContext.group(set.group().value())) {
        // Check, act, commit under the group's lock (the controller's own, which its change takes
        // again): a call HAProxy refuses (wholly rolled back by the controller) must not move the
        // fence. The file carries the epoch too, so a crash before the commit loses nothing
        // (recovered at start).
        ApplyResult result = controller.withGroup(set.group(), () -> {
          epochs.check(set.group(), epoch, set.version());
          admitGroup(set.group());
          try {
            ApplyResult applied = controller.apply(set, epoch);
            epochs.commit(set.group(), epoch, set.version());
            return applied;
          } finally {
            admitted(set.group());
          }
        });
        log.info("applied version {} (epoch {}): {} servers, reloaded={}, runtime commands={}", set.version(), epoch,
            set.servers().size(), result.reloaded(), result.runtimeCommands());
        return ProtoMapper.toProto(result);
      }
    });
  }

  @Override
  public void removeGroup(RemoveGroupRequest request, StreamObserver<RemoveGroupResponse> response) {
    write(response, () -> {
      GroupName group = GroupName.of(request.getGroup());
      Epoch epoch = epoch(request.getEpoch());
      try (LogContext g = LogContext.group(group.value())) {
        boolean removed = controller.withGroup(group, () -> {
          epochs.check(epoch);
          // The group's redirect goes with it: nothing may keep sending its port to a frontend
          // that no longer exists.
          Optional.ofNullable(controller.desired().get(group))
              .ifPresent(set -> swapLock.with(() -> portSwapper.remove(set.frontendPort())));
          boolean existed = controller.removeGroup(group);
          epochs.commit(epoch);
          epochs.forget(group);
          return existed;
        });
        log.info("remove group (epoch {}): removed={}", epoch, removed);
        return RemoveGroupResponse.newBuilder().setRemoved(removed).build();
      }
    });
  }

  @Override
  public void swapPort(SwapPortRequest request, StreamObserver<SwapPortResponse> response) {
    write(response, () -> {
      GroupName group = GroupName.of(request.getGroup());
      int servicePort = Validation.port("service_port", request.getServicePort());
      int targetPort = Validation.port("target_port", request.getTargetPort());
      if (servicePort == targetPort) {
        throw new InvalidInputException("target_port", "must differ from service_port " + servicePort);
      }
      Epoch epoch = epoch(request.getEpoch());
      try (LogContext g = LogContext.group(group.value())) {
        // One lock for every redirect around check, act, commit: a deposed leader's swap that
        // passed the check can then never land after the new leader's.
        SwapResult r = swapLock.with(() -> {
          portSwapper.requireCapability();
          epochs.check(epoch);
          requireOwnPorts(group, servicePort, targetPort);
          SwapResult done = portSwapper.swap(servicePort, targetPort);
          epochs.commit(epoch);
          return done;
        });
        SwapPortResponse.Builder b = SwapPortResponse.newBuilder().setChanged(r.changed());
        r.redirects().forEach(p -> b.addRedirects(ProtoMapper.toProto(p)));
        return b.build();
      }
    });
  }

  @Override
  public void shutdownSessions(ShutdownSessionsRequest request, StreamObserver<ShutdownSessionsResponse> response) {
    write(response, () -> {
      GroupName group = GroupName.of(request.getGroup());
      String server = Validation.name("server", request.getServer());
      Epoch epoch = epoch(request.getEpoch());
      try (LogContext g = LogContext.group(group.value())) {
        int cut = controller.withGroup(group, () -> {
          epochs.check(epoch);
          int done = sessionShutdown.shutdown(group, server);
          epochs.commit(epoch);
          return done;
        });
        log.info("shut down {} sessions on server {} (epoch {})", cut, server, epoch);
        return ShutdownSessionsResponse.newBuilder().setSessionsCut(cut).build();
      }
    });
  }

  @Override
  public void resetFence(ResetFenceRequest request, StreamObserver<ResetFenceResponse> response) {
    unary(response, () -> {
      Epoch wanted = epoch(request.getEpoch());
      Epoch cluster = epochs.clusterEpoch();
      if (!wanted.equals(cluster)) {
        throw new InvalidInputException("epoch", "must be the leader epoch ZooKeeper holds now (" + cluster.value()
            + "), got " + wanted.value());
      }
      Epoch previous = epochs.reset(wanted);
      log.warn("audit: {} reset the epoch fence from {} to {}", PeerAuthentication.caller().map(Object::toString)
          .orElse("anonymous"), previous, wanted);
      return ResetFenceResponse.newBuilder().setPreviousHighestEpoch(previous.value())
          .setHighestEpoch(wanted.value()).build();
    });
  }

  @Override
  public void getState(GetStateRequest request, StreamObserver<AgentState> response) {
    unary(response, () -> {
      boolean swapAvailable = portSwapper.available();
      List<PortRedirect> redirects = List.of();
      if (swapAvailable) {
        try {
          redirects = portSwapper.redirects();
        } catch (ZddException e) {
          // The state of HAProxy is still worth reporting; say the swap cannot be used right now.
          log.warn("cannot read iptables rules for GetState: {}", e.getMessage());
          swapAvailable = false;
        }
      }
      AgentStateView view = new AgentStateView(agentId, epochs.highest(), controller.observe(), controller.workers(),
          redirects, controller.haproxyVersion(), swapAvailable);
      return ProtoMapper.toProto(view);
    });
  }

  /** Groups one ReadTraffic may ask for. */
  static final int MAX_TRAFFIC_GROUPS = 200;

  @Override
  public void readTraffic(ReadTrafficRequest request, StreamObserver<TrafficReading> response) {
    unary(response, () -> {
      if (request.getGroupsCount() > MAX_TRAFFIC_GROUPS) {
        throw new InvalidInputException("groups", "at most " + MAX_TRAFFIC_GROUPS + " groups per request, got "
            + request.getGroupsCount());
      }
      Set<GroupName> groups = new HashSet<>();
      for (String g : request.getGroupsList()) {
        groups.add(GroupName.of(g));
      }
      Map<GroupName, BackendSet> desired = controller.desired();
      // Only the groups this agent manages: an unmanaged one is absent, as documented.
      Set<GroupName> asked = groups.isEmpty() ? desired.keySet() : groups.stream().filter(desired::containsKey)
          .collect(Collectors.toSet());
      List<ServerTraffic> servers = asked.isEmpty() ? List.of() : sampling.traffic(asked).stream().map(t -> {
        BackendSet set = desired.get(GroupName.of(t.group()));
        return set == null ? t : set.server(t.server()).map(s -> t.of(s.colour(), s.taskId())).orElse(t);
      }).toList();
      return ProtoMapper.toProto(new io.zdd.common.model.TrafficReading(agentId, Instant.now(), servers));
    });
  }

  @Override
  public StreamObserver<WatchConnectionsRequest> watchConnections(StreamObserver<ConnectionSample> response) {
    return new WatchRequests((ServerCallStreamObserver<ConnectionSample>) response);
  }

  /**
   * The request side of one watch: the first message opens it, later ones grant credit. gRPC
   * calls these methods and the handlers registered here one at a time for a call; the handlers
   * must be registered before this observer is returned, so they forward to the publisher once
   * the first message has created it.
   */
  private final class WatchRequests implements StreamObserver<WatchConnectionsRequest> {
    private final ServerCallStreamObserver<ConnectionSample> out;
    private volatile ConnectionStreamPublisher publisher;
    private volatile boolean ended;

    WatchRequests(ServerCallStreamObserver<ConnectionSample> out) {
      this.out = out;
      out.setOnCancelHandler(() -> {
        ended = true;
        ConnectionStreamPublisher p = publisher;
        if (p != null) {
          p.cancelled();
        }
      });
      out.setOnReadyHandler(() -> {
        ConnectionStreamPublisher p = publisher;
        if (p != null) {
          p.onReady();
        }
      });
    }

    @Override
    public void onNext(WatchConnectionsRequest request) {
      if (ended) {
        return;
      }
      ConnectionStreamPublisher p = publisher;
      if (p != null) {
        try {
          p.grant(credit(request.getCredit()));
        } catch (RuntimeException e) {
          ended = true;
          p.fail(e);
        }
        return;
      }
      Set<GroupName> groups = new LinkedHashSet<>();
      Duration interval;
      Duration heartbeat;
      int credit;
      try {
        for (int i = 0; i < request.getGroupsCount(); i++) {
          groups.add(new GroupName(Validation.name("groups[" + i + "]", request.getGroups(i))));
        }
        interval = interval(request.getIntervalMs());
        heartbeat = request.getHeartbeatMs() == 0 ? streams.defaultHeartbeat()
            : Duration.ofMillis(Integer.toUnsignedLong(request.getHeartbeatMs()));
        if (heartbeat.compareTo(interval) < 0) {
          throw new InvalidInputException("heartbeat_ms",
              "must be at least the sampling interval (" + interval.toMillis() + " ms), got " + heartbeat.toMillis());
        }
        credit = credit(request.getCredit());
      } catch (RuntimeException e) {
        ended = true;
        out.onError(StatusMapper.toStatusException(e));
        return;
      }
      try {
        p = newPublisher(groups, interval, heartbeat, credit, out);
      } catch (ResourceExhaustedException e) {
        ended = true;
        out.onError(StatusMapper.toStatusException(e));
        return;
      }
      publisher = p;
      if (closing) {
        ended = true;
        p.close("agent is shutting down");
        return;
      }
      p.start();
    }

    @Override
    public void onError(Throwable t) {
      // The consumer cancelled or the transport broke: the cancel handler closes the publisher.
      ended = true;
    }

    @Override
    public void onCompleted() {
      // A half-close ends the consumer's messages, not the watch: samples keep flowing (a watch
      // with credit just gets no more of it).
    }
  }

  private static int credit(int requested) {
    long credit = Integer.toUnsignedLong(requested);
    if (credit > ConnectionStreamPublisher.MAX_CREDIT) {
      throw new InvalidInputException("credit",
          "must be at most " + ConnectionStreamPublisher.MAX_CREDIT + " samples, got " + credit);
    }
    return (int) credit;
  }

  /**
   * Holds a place for {@code group} if it is new, refusing it when the agent already manages
   * {@code --max-groups} groups (counting new ones being applied right now, whose own locks do not
   * exclude each other). Called under the group's lock; {@link #admitted} ends the hold.
   */
  private synchronized void admitGroup(GroupName group) {
    Set<GroupName> managed = controller.desired().keySet();
    if (managed.contains(group)) {
      return;
    }
    long held = managed.size() + groupsBeingAdded.stream().filter(g -> !managed.contains(g)).count();
    if (held >= limits.maxGroups()) {
      throw new PreconditionException("group " + group + " would be more than the " + limits.maxGroups()
          + " groups this agent manages (--max-groups); remove a group first");
    }
    groupsBeingAdded.add(group);
  }

  /** The apply of {@code group} ended: it is managed now (or failed and is not). */
  private synchronized void admitted(GroupName group) {
    groupsBeingAdded.remove(group);
  }

  /**
   * A redirect belongs to a port-swap group: its public port is the group's frontend port and
   * the target one of the group's colour frontends, so no other port of the host can be moved.
   */
  private void requireOwnPorts(GroupName group, int servicePort, int targetPort) {
    BackendSet set = controller.desired().get(group);
    if (set == null) {
      throw new PreconditionException("group " + group + " is not managed by this agent; apply its backend set first");
    }
    if (servicePort != set.frontendPort()) {
      throw new InvalidInputException("service_port", "must be group " + group + "'s frontend port "
          + set.frontendPort() + ", got " + servicePort);
    }
    List<Integer> colourPorts = set.colourFrontends().stream().map(ColourFrontend::port).toList();
    if (!colourPorts.contains(targetPort)) {
      throw new InvalidInputException("target_port", "must be one of group " + group + "'s colour frontend ports "
          + colourPorts + ", got " + targetPort);
    }
  }

  /**
   * Maps the set, naming a bad server by its index ({@code backend_set.servers[2].weight}) so the
   * sender can tell which of many servers is wrong.
   */
  private static BackendSet backendSet(io.zdd.proto.v1.BackendSet proto, int maxServers) {
    if (proto.getServersCount() > maxServers) {
      throw new InvalidInputException("backend_set.servers", "at most " + maxServers
          + " servers per backend (--max-servers-per-backend), got " + proto.getServersCount());
    }
    for (int i = 0; i < proto.getServersCount(); i++) {
      try {
        ProtoMapper.server(proto.getServers(i));
      } catch (InvalidInputException e) {
        String field = e.field().startsWith("server.") ? e.field().substring("server.".length()) : e.field();
        throw new InvalidInputException("backend_set.servers[" + i + "]." + field, e.reason());
      }
    }
    return ProtoMapper.backendSet(proto);
  }

  /**
   * Creates one stream's publisher, taking one of the {@code --max-streams} slots; the slot is
   * free again when the stream ends, however it ends.
   */
  private ConnectionStreamPublisher newPublisher(Set<GroupName> groups, Duration interval, Duration heartbeat,
      int credit, ServerCallStreamObserver<ConnectionSample> out) {
    ConnectionStreamPublisher[] self = new ConnectionStreamPublisher[1];
    self[0] = new ConnectionStreamPublisher(agentId, sampling, groups, interval, heartbeat, credit,
        out, () -> {
          synchronized (publishers) {
            publishers.remove(self[0]);
          }
        });
    synchronized (publishers) {
      if (publishers.size() >= limits.maxStreams()) {
        throw new ResourceExhaustedException("this agent already serves " + limits.maxStreams()
            + " WatchConnections streams (--max-streams); retry when one has ended");
      }
      publishers.add(self[0]);
    }
    return self[0];
  }

  /** Ends every WatchConnections stream with UNAVAILABLE (agent shutdown); later streams are refused. */
  public void closeStreams() {
    closing = true;
    List<ConnectionStreamPublisher> open;
    synchronized (publishers) {
      open = List.copyOf(publishers);
    }
    for (ConnectionStreamPublisher p : open) {
      p.close("agent is shutting down");
    }
  }

  /** Streams currently open (for tests and a gauge). */
  Set<ConnectionStreamPublisher> openStreams() {
    synchronized (publishers) {
      return Set.copyOf(publishers);
    }
  }

  /** HAProxy sampling tasks running now: one while any stream is open (for tests). */
  int samplingTasks() {
    return sampling.feeds();
  }

  private Duration interval(int requestedMs) {
    if (requestedMs == 0) {
      return streams.defaultInterval();
    }
    Duration asked = Duration.ofMillis(Integer.toUnsignedLong(requestedMs));
    // A floor rather than an error: a watcher asking for "as fast as possible" gets the fastest allowed.
    return asked.compareTo(streams.minInterval()) < 0 ? streams.minInterval() : asked;
  }

  /**
   * Leader epochs start at 1 (the counter is bumped when a coordinator becomes leader), so 0 means
   * the sender forgot it; uint64 values above 2^63 arrive negative and are refused by Epoch.
   */
  private static Epoch epoch(long value) {
    if (value == 0) {
      throw new InvalidInputException("epoch", "is required (leader epochs start at 1)");
    }
    return Epoch.of(value);
  }

  /**
   * A call that may change HAProxy or the redirects: whatever its outcome, the shared reading
   * turns fast for its hot window before the answer leaves, so a drain it started is watched
   * closely from the moment the caller knows of it.
   */
  private <T> void write(StreamObserver<T> response, Supplier<T> call) {
    unary(response, () -> {
      try {
        return call.get();
      } finally {
        sampling.wake();
      }
    });
  }

  private <T> void unary(StreamObserver<T> response, Supplier<T> call) {
    try (LogContext a = LogContext.agent(agentId.value())) {
      UnaryCall.answer(response, call);
    }
  }
}
