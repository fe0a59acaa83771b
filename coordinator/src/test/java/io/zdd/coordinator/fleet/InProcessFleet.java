package io.zdd.coordinator.fleet;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.zdd.common.concurrent.Backoff;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.model.AgentId;
import io.zdd.common.testing.GrpcInProcessExtension;
import io.zdd.coordinator.engine.LbGroups;
import io.zdd.proto.v1.AdminState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.ApplyBackendsResponse;
import io.zdd.proto.v1.Server;
import io.zdd.proto.v1.ConnectionSample;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.ObservedBackend;
import io.zdd.proto.v1.ObservedServer;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Real gRPC agents in process, each a {@link FakeAgent} that records every ApplyBackends it gets and
 * answers with a read-back of exactly what it was sent (every server UP), behind a real
 * {@link AgentFleet} (channels, connection streams). An agent can be told to hang (accept calls and
 * never answer), to fail its next applies, to report its servers DOWN, or to restart (its stream
 * breaks, as when the process dies, and it forgets what it held).
 */
public final class InProcessFleet implements AutoCloseable {
  /** One agent. Thread-safe: gRPC calls it from the test's and the fleet's threads. */
  public static final class FakeAgent extends LbAgentGrpc.LbAgentImplBase {
    public final String id;
    /** Every ApplyBackends received, as "group vVERSION eEPOCH", in order. */
    public final List<String> applies = new CopyOnWriteArrayList<>();
    /** Calls accepted and not answered while {@link #hang} is set. */
    @GuardedBy("this")
    private final List<StreamObserver<ApplyBackendsResponse>> hung = new ArrayList<>();
    private final AtomicInteger inFlight;
    private final AtomicInteger maxInFlight;
    public volatile boolean hang;
    public volatile int failNext;
    public volatile String status = "UP";
    /** When set, answers this long after the call (on another thread) instead of at once. */
    public volatile Duration answerAfter = Duration.ZERO;
    private final ScheduledExecutorService answers;
    @GuardedBy("this")
    private StreamObserver<ConnectionSample> stream;

    FakeAgent(String id, AtomicInteger inFlight, AtomicInteger maxInFlight, ScheduledExecutorService answers) {
      this.id = id;
      this.answers = answers;
      this.inFlight = inFlight;
      this.maxInFlight = maxInFlight;
    }

    public List<String> appliesOf(long version) {
      return applies.stream().filter(a -> a.contains(" v" + version + " ")).toList();
    }

    @Override
    public void applyBackends(ApplyBackendsRequest request, StreamObserver<ApplyBackendsResponse> out) {
      applies.add(request.getBackendSet().getGroup() + " v" + request.getBackendSet().getVersion() + " e"
          + request.getEpoch());
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      if (hang) {
        ((ServerCallStreamObserver<ApplyBackendsResponse>) out).setOnCancelHandler(inFlight::decrementAndGet);
        synchronized (this) {
          hung.add(out);
        }
        return;
      }
      if (!answerAfter.isZero()) {
        var unused = answers.schedule(() -> answer(request, out), answerAfter.toMillis(), TimeUnit.MILLISECONDS);
        return;
      }
      answer(request, out);
    }

    private void answer(ApplyBackendsRequest request, StreamObserver<ApplyBackendsResponse> out) {
      inFlight.decrementAndGet();
      if (failNext > 0) {
        failNext--;
        out.onError(Status.UNAVAILABLE.withDescription("agent " + id + " busy").asRuntimeException());
        return;
      }
      ObservedBackend.Builder ob = ObservedBackend.newBuilder().setGroup(request.getBackendSet().getGroup())
          .setAppliedVersion(request.getBackendSet().getVersion()).setAppliedEpoch(request.getEpoch())
          .setFrontendPort(request.getBackendSet().getFrontendPort());
      for (Server s : request.getBackendSet().getServersList()) {
        boolean ready = s.getAdminState() == AdminState.READY || s.getAdminState() == AdminState.ADMIN_STATE_UNSPECIFIED;
        ob.addServers(ObservedServer.newBuilder().setName(s.getName()).setAddress(s.getAddress()).setPort(s.getPort())
            .setWeight(s.getWeight()).setAdminState(s.getAdminState()).setStatus(ready ? status : s.getAdminState().name())
            .setCheckStatus("L4OK"));
      }
      out.onNext(ApplyBackendsResponse.newBuilder().setObserved(ob).build());
      out.onCompleted();
    }

    /** Answers every hung call with UNAVAILABLE (as a dying agent would) and stops hanging. */
    public void releaseHung() {
      List<StreamObserver<ApplyBackendsResponse>> calls;
      synchronized (this) {
        hang = false;
        calls = List.copyOf(hung);
        hung.clear();
      }
      for (StreamObserver<ApplyBackendsResponse> c : calls) {
        inFlight.decrementAndGet();
        c.onError(Status.UNAVAILABLE.withDescription("agent " + id + " went away").asRuntimeException());
      }
    }

    /** The agent process restarts: its connection stream breaks (the fleet reconnects). */
    public void restart() {
      StreamObserver<ConnectionSample> s;
      synchronized (this) {
        s = stream;
        stream = null;
      }
      if (s != null) {
        s.onError(Status.UNAVAILABLE.withDescription("agent " + id + " restarting").asRuntimeException());
      }
    }

    @Override
    public StreamObserver<WatchConnectionsRequest> watchConnections(StreamObserver<ConnectionSample> out) {
      return new StreamObserver<>() {
        private boolean opened;

        @Override
        public void onNext(WatchConnectionsRequest request) {
          if (!opened) {
            opened = true;
            synchronized (FakeAgent.this) {
              stream = out;
            }
            out.onNext(ConnectionSample.newBuilder().setAgentId(id).setSequence(1).setSampledAtUnixMs(1).build());
          }
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
      };
    }
  }

  /** The agents' registrations, changeable as an agent re-registering in ZooKeeper would. */
  private static final class Registrations implements AgentDirectory {
    @GuardedBy("this")
    private final Map<AgentId, AgentEndpoint> agents = new LinkedHashMap<>();
    private final List<Consumer<Map<AgentId, AgentEndpoint>>> listeners = new CopyOnWriteArrayList<>();

    synchronized void put(AgentEndpoint e) {
      agents.put(e.id(), e);
      Map<AgentId, AgentEndpoint> now = Map.copyOf(agents);
      listeners.forEach(l -> l.accept(now));
    }

    @Override
    public synchronized Map<AgentId, AgentEndpoint> agents() {
      return Map.copyOf(agents);
    }

    @Override
    public void addListener(Consumer<Map<AgentId, AgentEndpoint>> listener) {
      listeners.add(listener);
      listener.accept(agents());
    }

    @Override
    public void close() {}
  }

  private final Map<String, FakeAgent> agents = new LinkedHashMap<>();
  private final Registrations registrations = new Registrations();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("test-fleet"));
  /** Apply calls in flight over all agents (a hung call counts until it is answered or cancelled). */
  public final AtomicInteger inFlight = new AtomicInteger();
  public final AtomicInteger maxInFlight = new AtomicInteger();
  public final AgentFleet fleet;

  public InProcessFleet(GrpcInProcessExtension grpc, Duration callDeadline, String... ids) {
    Map<AgentId, ManagedChannel> channels = new LinkedHashMap<>();
    int port = 20000;
    for (String id : ids) {
      FakeAgent a = new FakeAgent(id, inFlight, maxInFlight, scheduler);
      agents.put(id, a);
      channels.put(AgentId.of(id), grpc.start(a));
      registrations.put(new AgentEndpoint(AgentId.of(id), "127.0.0.1:" + port++, "", List.of(LbGroups.WILDCARD),
          List.of()));
    }
    fleet = new AgentFleet(registrations, e -> channels.get(e.id()), callDeadline,
        WatchConnectionsRequest.newBuilder().setIntervalMs(1000).build(), scheduler,
        () -> new Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 2.0, 0.0, Math::random), Clock.systemUTC(),
        sample -> { });
    fleet.start();
  }

  public FakeAgent agent(String id) {
    return agents.get(id);
  }

  public List<FakeAgent> all() {
    return List.copyOf(agents.values());
  }

  /** True when every agent's connection stream is open. */
  public boolean allConnected() {
    return fleet.members().size() == agents.size() && fleet.members().stream().allMatch(m -> m.subscription().connected());
  }

  /** The agent registers again, now saying it holds {@code groups} (same address). */
  public void reRegister(String id, List<String> groups) {
    AgentEndpoint e = registrations.agents().get(AgentId.of(id));
    registrations.put(new AgentEndpoint(e.id(), e.address(), e.haproxyVersion(), e.lbGroups(), groups));
  }

  public long streamsOpened(String id) {
    return fleet.member(AgentId.of(id)).orElseThrow().subscription().streamsOpened();
  }

  @Override
  public void close() {
    agents.values().forEach(FakeAgent::releaseHung);
    fleet.close();
    scheduler.shutdownNow();
  }
}
