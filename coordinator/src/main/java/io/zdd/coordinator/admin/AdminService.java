package io.zdd.coordinator.admin;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.NotLeaderException;
import io.zdd.common.error.ResourceExhaustedException;
import io.zdd.common.grpc.StatusMapper;
import io.zdd.common.grpc.UnaryCall;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.Epoch;
import io.zdd.common.tls.PeerAuthentication;
import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.engine.AppJson;
import io.zdd.coordinator.engine.Control;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentOptions;
import io.zdd.coordinator.engine.DeploymentPlan;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.fleet.AgentFleet;
import io.zdd.coordinator.security.AuditTrail;
import io.zdd.coordinator.service.DeploymentSupervisor;
import io.zdd.coordinator.service.EventLog;
import io.zdd.proto.v1.AgentInfo;
import io.zdd.proto.v1.ControlRequest;
import io.zdd.proto.v1.CoordinatorAdminGrpc;
import io.zdd.proto.v1.DashboardLoginRequest;
import io.zdd.proto.v1.DashboardLoginResponse;
import io.zdd.proto.v1.GetDeploymentRequest;
import io.zdd.proto.v1.ListAgentsRequest;
import io.zdd.proto.v1.ListAgentsResponse;
import io.zdd.proto.v1.ListDeploymentsRequest;
import io.zdd.proto.v1.ListDeploymentsResponse;
import io.zdd.proto.v1.PlanResponse;
import io.zdd.proto.v1.PlannedLbChange;
import io.zdd.proto.v1.PlannedMarathonCall;
import io.zdd.proto.v1.ResetAgentFenceRequest;
import io.zdd.proto.v1.ResetAgentFenceResponse;
import io.zdd.proto.v1.StartDeploymentRequest;
import io.zdd.proto.v1.WatchDeploymentRequest;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The admin API's gRPC edge. Only translates: reads come from ZooKeeper (any coordinator
 * answers them), writes go to the leader's {@link DeploymentSupervisor}; on a standby they fail
 * with {@link NotLeaderException} naming the leader, which the CLI follows. Every error is
 * mapped by {@link StatusMapper}.
 */
public final class AdminService extends CoordinatorAdminGrpc.CoordinatorAdminImplBase {
  /** Issues dashboard login links (the dashboard's side of {@code DashboardLogin}). */
  public interface LoginLinks {
    /** A one-time login link for {@code caller}; refuses a caller that is not an operator. */
    DashboardLoginResponse issue(Optional<SpiffeId> caller);
  }

  private final Supplier<Optional<String>> leaderAddress;
  private final DeploymentQueries queries;
  private final OperatorControls controls;
  private final EventLog events;
  private final AgentFleet fleet;
  private final AuditTrail audit;
  private final LoginLinks loginLinks;

  public AdminService(Supplier<Optional<String>> leaderAddress, DeploymentQueries queries, OperatorControls controls,
      AgentFleet fleet, AuditTrail audit, LoginLinks loginLinks) {
    this.leaderAddress = leaderAddress;
    this.queries = queries;
    this.controls = controls;
    this.events = queries.eventLog();
    this.fleet = fleet;
    this.audit = audit;
    this.loginLinks = loginLinks;
  }

  private DeploymentSupervisor leader() {
    return controls.leader();
  }

  private io.zdd.proto.v1.Deployment view(DeploymentRecord r) {
    DeploymentQueries.View v = queries.view(r);
    return v.latest()
        .map(e -> AdminMapper.toProto(r, e.traffic(), e.drain()))
        .orElseGet(() -> AdminMapper.toProto(r, List.of(), List.of()));
  }

  @Override
  public void startDeployment(StartDeploymentRequest req, StreamObserver<io.zdd.proto.v1.Deployment> out) {
    UnaryCall.answer(out, () -> {
      Optional<SpiffeId> caller = PeerAuthentication.caller();
      AppJson app = AppJson.parse(req.getAppJson());
      controls.requireScope(caller, "deploy " + app.id(), app.group(), List.of(app.id()));
      DeploymentOptions options = AdminMapper.options(req.getOptions()).toBuilder()
          .requestedBy(AuditTrail.who(caller)).build();
      DeploymentSupervisor leader = leader();
      DeploymentRecord rec = leader.start(req.getAppJson(), options);
      String action = "started the deployment of " + app.id();
      rec = leader.find(rec.id(), "").map(d -> d.recordOperatorAction(AuditTrail.who(caller) + " " + action)).orElse(rec);
      audit.done(caller, action, rec);
      return view(rec);
    });
  }

  @Override
  public void plan(StartDeploymentRequest req, StreamObserver<PlanResponse> out) {
    UnaryCall.answer(out, () -> {
      DeploymentPlan p = leader().plan(req.getAppJson(), AdminMapper.options(req.getOptions()));
      PlanResponse.Builder b = PlanResponse.newBuilder()
          .setGreenAppJson(AppSecrets.redact(p.greenAppJson()))
          .setDeployment(io.zdd.proto.v1.Deployment.newBuilder()
              .setGroup(p.prepared().group().value())
              .setBlueAppId(p.prepared().blue().map(a -> a.id()).orElse(""))
              .setGreenAppId(p.prepared().greenAppId())
              .setGreenColour(io.zdd.common.grpc.ProtoMapper.toProto(p.prepared().greenColour()))
              .setOptions(AdminMapper.toProto(p.prepared().options())));
      p.marathonCalls().forEach(c -> b.addMarathonCalls(PlannedMarathonCall.newBuilder()
          .setMethod(c.method()).setPath(c.path()).setBody(AppSecrets.redact(c.body())).setPurpose(c.purpose())));
      p.lbChanges().entrySet().stream().sorted(Map.Entry.comparingByKey())
          .forEach(e -> b.addLbChanges(PlannedLbChange.newBuilder().setAgentId(e.getKey().value()).addAllChanges(e.getValue())));
      b.addAllGates(p.gates());
      return b.build();
    });
  }

  @Override
  public void getDeployment(GetDeploymentRequest req, StreamObserver<io.zdd.proto.v1.Deployment> out) {
    UnaryCall.answer(out, () -> view(findRecord(req.getId())));
  }

  private DeploymentRecord findRecord(String id) {
    return queries.find(id);
  }

  @Override
  public void listDeployments(ListDeploymentsRequest req, StreamObserver<ListDeploymentsResponse> out) {
    UnaryCall.answer(out, () -> {
      ListDeploymentsResponse.Builder b = ListDeploymentsResponse.newBuilder();
      queries.list(req.getIncludeFinished(), Optional.of(req.getGroup()).filter(g -> !g.isEmpty()))
          .forEach(r -> b.addDeployments(view(r)));
      return b.build();
    });
  }

  @Override
  public void listAgents(ListAgentsRequest req, StreamObserver<ListAgentsResponse> out) {
    UnaryCall.answer(out, () -> {
      ListAgentsResponse.Builder b = ListAgentsResponse.newBuilder().setLeader(leaderAddress.get().orElse(""));
      fleet.members().stream().sorted(Comparator.comparing(m -> m.endpoint().id())).forEach(m -> b.addAgents(
          AgentInfo.newBuilder()
              .setAgentId(m.endpoint().id().value())
              .setAddress(m.endpoint().address())
              .setConnected(m.subscription().connected())
              .setHaproxyVersion(m.endpoint().haproxyVersion())
              .addAllGroups(m.endpoint().groups())
              .setLastSampleUnixMs(m.subscription().latest().map(s -> s.sampledAt().toEpochMilli()).orElse(0L))));
      return b.build();
    });
  }

  @Override
  public void promote(ControlRequest req, StreamObserver<io.zdd.proto.v1.Deployment> out) {
    control(req, out, req.getSkipAnalysis() ? Control.SKIP_ANALYSIS : Control.PROMOTE);
  }

  @Override
  public void pause(ControlRequest req, StreamObserver<io.zdd.proto.v1.Deployment> out) {
    control(req, out, Control.PAUSE);
  }

  @Override
  public void resume(ControlRequest req, StreamObserver<io.zdd.proto.v1.Deployment> out) {
    control(req, out, Control.RESUME);
  }

  @Override
  public void abort(ControlRequest req, StreamObserver<io.zdd.proto.v1.Deployment> out) {
    control(req, out, Control.ABORT);
  }

  private void control(ControlRequest req, StreamObserver<io.zdd.proto.v1.Deployment> out, Control control) {
    UnaryCall.answer(out, () -> view(controls.apply(PeerAuthentication.caller(), req.getId(), req.getGroup(), control)));
  }

  @Override
  public void dashboardLogin(DashboardLoginRequest req, StreamObserver<DashboardLoginResponse> out) {
    UnaryCall.answer(out, () -> {
      // On the leader only, so the link opens the dashboard whose buttons reach the deployments.
      leader();
      return loginLinks.issue(PeerAuthentication.caller());
    });
  }

  @Override
  public void resetAgentFence(ResetAgentFenceRequest req, StreamObserver<ResetAgentFenceResponse> out) {
    UnaryCall.answer(out, () -> {
      Optional<SpiffeId> caller = PeerAuthentication.caller();
      AgentId agent = AgentId.of(req.getAgentId());
      DeploymentSupervisor leader = leader();
      // The leader's own epoch is the one ZooKeeper holds (it bumped it); the agent checks that too.
      Epoch epoch = leader.epoch();
      AgentFleet.Member m = fleet.member(agent).orElseThrow(() -> new NotFoundException("no agent " + agent));
      long previous = m.client().resetFence(epoch);
      audit.done(caller, "reset the epoch fence of agent " + agent + " from " + previous + " to " + epoch.value());
      return ResetAgentFenceResponse.newBuilder().setPreviousHighestEpoch(previous).setHighestEpoch(epoch.value())
          .build();
    });
  }

  @Override
  public void watchDeployment(WatchDeploymentRequest req, StreamObserver<io.zdd.proto.v1.DeploymentEvent> out) {
    ServerCallStreamObserver<io.zdd.proto.v1.DeploymentEvent> call =
        (ServerCallStreamObserver<io.zdd.proto.v1.DeploymentEvent>) out;
    String id = req.getId();
    if (events.events(id).isEmpty()) {
      // Not driven here: a finished deployment is answered from the store; a running one
      // belongs to the leader, so point the client there.
      try {
        DeploymentRecord r = findRecord(id);
        if (r.running()) {
          throw new NotLeaderException(leaderAddress.get().orElse(""));
        }
        out.onNext(AdminMapper.toProto(new DeploymentEvent(1, r.finishedAt() == null ? Instant.now() : r.finishedAt(),
            EventKind.FINISHED, "finished: " + r.outcome() + " " + r.message(), r, List.of(), List.of(), List.of())));
        out.onCompleted();
      } catch (RuntimeException e) {
        out.onError(StatusMapper.toStatusException(e));
      }
      return;
    }
    Object lock = new Object();
    boolean[] done = {false};
    EventLog.Watcher w = new EventLog.Watcher() {
      @Override
      public boolean accept(DeploymentEvent e) {
        synchronized (lock) {
          if (done[0] || call.isCancelled()) {
            return false;
          }
          out.onNext(AdminMapper.toProto(e));
          if (e.kind() == EventKind.FINISHED) {
            done[0] = true;
            out.onCompleted();
            return false;
          }
          return true;
        }
      }

      // Events wait in the log's bounded queue while the client reads slowly, instead of piling
      // up in the transport; a cancelled call counts as ready so accept() can end the watch.
      @Override
      public boolean ready() {
        return call.isReady() || call.isCancelled();
      }

      @Override
      public void overflowed() {
        synchronized (lock) {
          if (!done[0] && !call.isCancelled()) {
            done[0] = true;
            out.onError(StatusMapper.toStatusException(new ResourceExhaustedException(
                "this watch fell too many events behind and was dropped; watch again (the events are replayed)")));
          }
        }
      }
    };
    // A cancel or a ready signal before the watch is registered: the cancel is seen by the watcher
    // itself (isCancelled), and the resume below catches up on readiness.
    AtomicReference<EventLog.Watch> watch = new AtomicReference<>();
    call.setOnCancelHandler(() -> {
      EventLog.Watch h = watch.get();
      if (h != null) {
        h.stop();
      }
    });
    call.setOnReadyHandler(() -> {
      EventLog.Watch h = watch.get();
      if (h != null) {
        h.resume();
      }
    });
    watch.set(events.watch(id, w));
    watch.get().resume();
  }
}
