package io.zdd.agent.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.zdd.agent.firewall.IptablesCommands;
import io.zdd.agent.firewall.PortSwapper;
import io.zdd.agent.state.EpochStore;
import io.zdd.agent.testing.Calls;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.grpc.StatusMapper;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.testing.GrpcInProcessExtension;
import io.zdd.proto.v1.AdminState;
import io.zdd.proto.v1.AgentState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.ApplyBackendsResponse;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.Colour;
import io.zdd.proto.v1.ColourFrontend;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.PortRedirect;
import io.zdd.proto.v1.RemoveGroupRequest;
import io.zdd.proto.v1.Server;
import io.zdd.proto.v1.ShutdownSessionsRequest;
import io.zdd.proto.v1.SwapPortRequest;
import io.zdd.proto.v1.SwapPortResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's gRPC edge over in-process gRPC: mapping, validation (precise status, the field
 * named, the HAProxy layer never called), epoch and version fencing that survives a restart, and
 * GetState. The HAProxy layer is replaced by {@link InMemoryBackendController}.
 */
class LbAgentServiceTest {
  @RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();
  @TempDir Path dataDir;

  private final InMemoryBackendController controller = new InMemoryBackendController();
  private final FakeNatTable nat = new FakeNatTable();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  /** Sessions per "group/server" that ShutdownSessions may cut; absent means unknown server. */
  private final Map<String, Integer> openSessions = new ConcurrentHashMap<>();
  private final SessionShutdown sessions = (group, server) -> {
    Integer n = openSessions.replace(group + "/" + server, 0);
    if (n == null) {
      throw new io.zdd.common.error.NotFoundException("no server " + server + " in group " + group);
    }
    return n;
  };
  private boolean netAdmin = true;
  private LbAgentService.Limits limits = LbAgentService.Limits.DEFAULTS;
  private LbAgentService service;
  private LbAgentGrpc.LbAgentBlockingStub agent;

  @BeforeEach
  void start() {
    agent = startAgent();
  }

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  /** A fresh agent process on the same data dir (what a restart looks like to the edge). */
  private LbAgentGrpc.LbAgentBlockingStub startAgent() {
    PortSwapper swapper = new PortSwapper(nat, IptablesCommands.defaults(Optional.empty()), dataDir, () -> netAdmin);
    swapper.start();
    service = new LbAgentService(AgentId.of("lb-1"), EpochStore.open(dataDir), controller,
        new InMemoryConnectionSampler(), swapper, sessions, scheduler, Clock.systemUTC(), LbAgentService.StreamSettings.DEFAULTS,
        limits);
    ManagedChannel ch = grpc.start(service);
    return LbAgentGrpc.newBlockingStub(ch);
  }

  private static Server server(String name, String address, int port, int weight) {
    return Server.newBuilder().setName(name).setAddress(address).setPort(port).setWeight(weight)
        .setAdminState(AdminState.READY).build();
  }

  private static BackendSet set(long version) {
    return BackendSet.newBuilder().setGroup("web").setVersion(version).setFrontendPort(8080)
        .addServers(server("blue-1", "10.0.0.1", 31001, 100))
        .addServers(server("green-1", "10.0.0.2", 31002, 0))
        .build();
  }

  /** Group web in port-swap mode: public port 80, colour frontends 10001 (blue) and 10002 (green). */
  private static BackendSet swapSet(long version) {
    return set(version).toBuilder().setFrontendPort(80)
        .addColourFrontends(ColourFrontend.newBuilder().setColour(Colour.BLUE).setPort(10001))
        .addColourFrontends(ColourFrontend.newBuilder().setColour(Colour.GREEN).setPort(10002))
        .build();
  }

  private static ApplyBackendsRequest apply(long epoch, BackendSet set) {
    return ApplyBackendsRequest.newBuilder().setEpoch(epoch).setBackendSet(set).build();
  }

  private static Status statusOf(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void apply_delegatesTheMappedSetAndAnswersTheReadBack() {
    ApplyBackendsResponse r = agent.applyBackends(apply(5, set(1)));

    assertThat(controller.applyCalls).hasSize(1);
    assertThat(controller.applyCalls.get(0).epoch()).isEqualTo(Epoch.of(5));
    assertThat(controller.applyCalls.get(0).set().servers()).hasSize(2);
    assertThat(r.getReloaded()).isTrue();
    assertThat(r.getObserved().getGroup()).isEqualTo("web");
    assertThat(r.getObserved().getAppliedVersion()).isEqualTo(1);
    assertThat(r.getObserved().getAppliedEpoch()).isEqualTo(5);
    assertThat(r.getObserved().getServersList()).extracting(s -> s.getName()).containsExactly("blue-1", "green-1");

    BackendSet shifted = set(2).toBuilder().setServers(0, server("blue-1", "10.0.0.1", 31001, 50))
        .setServers(1, server("green-1", "10.0.0.2", 31002, 50)).build();
    ApplyBackendsResponse r2 = agent.applyBackends(apply(5, shifted));
    assertThat(r2.getReloaded()).isFalse();
    assertThat(r2.getRuntimeCommands()).isEqualTo(2);
  }

  @Test
  void aBackendSetAboveMaxServers_isInvalidArgumentNamingServers_andNothingIsCalledOrPersisted() {
    limits = new LbAgentService.Limits(200, 2, 64);
    LbAgentGrpc.LbAgentBlockingStub small = startAgent();
    BackendSet three = set(1).toBuilder().addServers(server("green-2", "10.0.0.3", 31003, 0)).build();

    assertThatThrownBy(() -> small.applyBackends(apply(5, three))).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription())
              .contains("at most 2 servers per backend (--max-servers-per-backend), got 3");
          // The typed detail names the field, as for any other bad input.
          assertThat(StatusMapper.toException(e)).isInstanceOfSatisfying(InvalidInputException.class,
              i -> assertThat(i.field()).isEqualTo("backend_set.servers"));
        });
    assertThat(controller.applyCalls).isEmpty();
    assertThat(small.getState(GetStateRequest.getDefaultInstance()).getHighestEpoch()).isZero();
    assertThat(small.applyBackends(apply(5, set(1))).getObserved().getServersCount()).isEqualTo(2);
  }

  @Test
  void aNewGroupBeyondMaxGroups_isFailedPrecondition_knownGroupsStillApply_andRemovingOneMakesRoom() {
    limits = new LbAgentService.Limits(2, 1000, 64);
    LbAgentGrpc.LbAgentBlockingStub small = startAgent();
    small.applyBackends(apply(5, set(1).toBuilder().setGroup("a").setFrontendPort(8081).build()));
    small.applyBackends(apply(5, set(1).toBuilder().setGroup("b").setFrontendPort(8082).build()));

    Status refused = statusOf(() -> small.applyBackends(apply(6, set(1).toBuilder().setGroup("c").setFrontendPort(8083)
        .build())));

    assertThat(refused.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(refused.getDescription()).contains("more than the 2 groups this agent manages (--max-groups)");
    assertThat(controller.applyCalls).hasSize(2);
    assertThat(controller.desired().keySet()).extracting(GroupName::value).containsExactlyInAnyOrder("a", "b");
    assertThat(small.getState(GetStateRequest.getDefaultInstance()).getHighestEpoch()).as("the fence did not move")
        .isEqualTo(5);

    small.applyBackends(apply(5, set(2).toBuilder().setGroup("a").setFrontendPort(8081).build()));
    small.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(5).setGroup("b").build());
    small.applyBackends(apply(6, set(1).toBuilder().setGroup("c").setFrontendPort(8083).build()));
    assertThat(controller.desired().keySet()).extracting(GroupName::value).containsExactlyInAnyOrder("a", "c");
  }

  @Test
  void olderEpoch_isRefusedWithFailedPrecondition_alsoAfterARestart() {
    agent.applyBackends(apply(5, set(1)));

    Status stale = statusOf(() -> agent.applyBackends(apply(4, set(2))));
    assertThat(stale.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(stale.getDescription()).contains("epoch 4").contains("highest accepted epoch 5");
    assertThat(controller.applyCalls).hasSize(1);

    LbAgentGrpc.LbAgentBlockingStub restarted = startAgent();
    Status afterRestart = statusOf(() -> restarted.applyBackends(apply(4, set(2))));
    assertThat(afterRestart.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(controller.applyCalls).hasSize(1);
    assertThat(restarted.getState(GetStateRequest.getDefaultInstance()).getHighestEpoch()).isEqualTo(5);

    assertThat(statusOf(() -> restarted.removeGroup(
        RemoveGroupRequest.newBuilder().setEpoch(4).setGroup("web").build())).getCode())
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(statusOf(() -> restarted.swapPort(SwapPortRequest.newBuilder().setEpoch(4).setGroup("web")
        .setServicePort(80).setTargetPort(8080).build())).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(controller.removeCalls).isEmpty();
    assertThat(nat.restores).isZero();
  }

  @Test
  void olderVersionInSameEpoch_isRefused_newerEpochStartsANewOrder() {
    agent.applyBackends(apply(5, set(10)));

    Status stale = statusOf(() -> agent.applyBackends(apply(5, set(9))));
    assertThat(stale.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(stale.getDescription()).contains("version 9 is older than applied version 10");

    agent.applyBackends(apply(6, set(1)));
    assertThat(controller.applyCalls).hasSize(2);
  }

  @Test
  void badInput_isInvalidArgumentNamingTheField_andNothingIsCalledOrPersisted() {
    assertInvalid(apply(5, set(1).toBuilder().setFrontendPort(70000).build()), "backend_set.frontend_port");
    assertInvalid(apply(5, set(1).toBuilder().setServers(1, server("blue-1", "10.0.0.2", 31002, 0)).build()),
        "backend_set.servers");
    assertInvalid(apply(5, set(1).toBuilder().setServers(0, server("blue-1", "10.0.0.1", 31001, 257)).build()),
        "backend_set.servers[0].weight");
    assertInvalid(apply(5, set(1).toBuilder().setServers(0, server("blue-1", "10.0.0.256", 31001, 1)).build()),
        "backend_set.servers[0].address");
    assertInvalid(apply(5, set(1).toBuilder().setServers(0, server("blue-1", "app.example.com", 31001, 1)).build()),
        "backend_set.servers[0].address");
    assertInvalid(apply(5, set(1).toBuilder().setServers(0, server("blue-1", "10.0.0.1", 0, 1)).build()),
        "backend_set.servers[0].port");
    assertInvalid(apply(5, set(1).toBuilder().setServers(1, server("blue 1", "10.0.0.1", 31001, 1)).build()),
        "backend_set.servers[1].name");
    assertInvalid(apply(5, set(1).toBuilder().setGroup("web/../x").build()), "group");
    assertInvalid(apply(5, set(1).toBuilder().setBalance("source").build()), "backend_set.balance");
    assertInvalid(apply(0, set(1)), "epoch");
    assertInvalid(apply(-1, set(1)), "epoch"); // uint64 above 2^63
    assertInvalid(ApplyBackendsRequest.newBuilder().setEpoch(5).build(), "backend_set");

    assertThat(controller.calls()).isZero();
    assertThat(agent.getState(GetStateRequest.getDefaultInstance()).getHighestEpoch())
        .as("a refused request must not move the epoch").isZero();
  }

  private void assertInvalid(ApplyBackendsRequest req, String field) {
    Status s = statusOf(() -> agent.applyBackends(req));
    assertThat(s.getCode()).as(field).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).startsWith(field + ":");
  }

  @Test
  void newEpoch_isCommittedOnlyOnceTheHaproxyLayerAcceptedTheChange() {
    AtomicReference<Epoch> seenOnDisk = new AtomicReference<>();
    controller.failNextApply = () -> {
      seenOnDisk.set(EpochStore.open(dataDir).highest()); // what a restart at this moment would load
      return new UnavailableException("HAProxy went away mid-apply");
    };

    assertThat(statusOf(() -> agent.applyBackends(apply(8, set(1)))).getCode()).isEqualTo(Status.Code.UNAVAILABLE);

    assertThat(seenOnDisk.get()).isEqualTo(Epoch.ZERO);
    assertThat(startAgent().getState(GetStateRequest.getDefaultInstance()).getHighestEpoch()).isZero();
    agent.applyBackends(apply(8, set(1)));
    assertThat(EpochStore.open(dataDir).highest()).isEqualTo(Epoch.of(8));
  }

  @Test
  void haproxyLayerErrors_areMappedOnce() {
    controller.failNextApply = () -> new InvalidInputException("backend_set", "haproxy -c: [ALERT] bad config");
    Status refused = statusOf(() -> agent.applyBackends(apply(5, set(1))));
    assertThat(refused.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.getDescription()).contains("[ALERT] bad config");

    controller.failNextApply = () -> new UnavailableException("stats socket: connection refused");
    assertThat(statusOf(() -> agent.applyBackends(apply(5, set(1)))).getCode()).isEqualTo(Status.Code.UNAVAILABLE);

    controller.failNextApply = () -> new IllegalStateException("bug");
    Status internal = statusOf(() -> agent.applyBackends(apply(5, set(1))));
    assertThat(internal.getCode()).isEqualTo(Status.Code.INTERNAL);

    // A failed apply committed nothing: the same version goes through on retry.
    assertThat(agent.applyBackends(apply(5, set(1))).getObserved().getAppliedVersion()).isEqualTo(1);
  }

  @Test
  void callsRefusedAfterTheEpochCheck_moveNeitherTheFenceNorTheVersion() {
    agent.applyBackends(apply(5, set(3)));

    // HAProxy refuses the change (e.g. a reload failing on a port held by another process).
    controller.failNextApply = () -> new io.zdd.common.error.PreconditionException("HAProxy reload failed");
    assertThat(statusOf(() -> agent.applyBackends(apply(6, set(9)))).getCode())
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    // A swap refused for want of CAP_NET_ADMIN, under an even higher epoch.
    netAdmin = false;
    assertThat(statusOf(() -> agent.swapPort(SwapPortRequest.newBuilder().setEpoch(7).setGroup("web")
        .setServicePort(10000).setTargetPort(10001).build())).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);

    assertThat(agent.getState(GetStateRequest.getDefaultInstance()).getHighestEpoch()).isEqualTo(5);
    // The legitimate leader's next set is accepted, before and after a restart.
    assertThat(agent.applyBackends(apply(5, set(4))).getObserved().getAppliedVersion()).isEqualTo(4);
    agent = startAgent();
    assertThat(agent.getState(GetStateRequest.getDefaultInstance()).getHighestEpoch()).isEqualTo(5);
    assertThat(agent.applyBackends(apply(5, set(5))).getObserved().getAppliedVersion()).isEqualTo(5);
  }

  @Test
  void removeGroup_unknownIsANoOp_knownIsRemoved() {
    assertThat(agent.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(5).setGroup("web").build()).getRemoved())
        .isFalse();
    agent.applyBackends(apply(5, set(1)));
    assertThat(agent.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(5).setGroup("web").build()).getRemoved())
        .isTrue();

    Status bad = statusOf(() -> agent.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(5).setGroup("").build()));
    assertThat(bad.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(bad.getDescription()).startsWith("group:");
    assertThat(controller.removeCalls).hasSize(2);
  }

  @Test
  void swapPort_appliesAndReadsBack_idempotently() {
    agent.applyBackends(apply(5, swapSet(1)));
    UnaryOperator<SwapPortRequest.Builder> base = b -> b.setEpoch(5).setGroup("web").setServicePort(80);

    SwapPortResponse first = agent.swapPort(base.apply(SwapPortRequest.newBuilder()).setTargetPort(10001).build());
    SwapPortResponse again = agent.swapPort(base.apply(SwapPortRequest.newBuilder()).setTargetPort(10001).build());

    assertThat(first.getChanged()).isTrue();
    assertThat(again.getChanged()).isFalse();
    assertThat(nat.restores).isEqualTo(1);
    assertThat(again.getRedirectsList()).containsExactlyInAnyOrder(
        PortRedirect.newBuilder().setServicePort(80).setTargetPort(10001).setChain("ZDD-PREROUTING").build(),
        PortRedirect.newBuilder().setServicePort(80).setTargetPort(10001).setChain("ZDD-OUTPUT").build());
  }

  @Test
  void swapPort_badPorts_areInvalidArgument_beforeTheEpochOrIptables() {
    Status outOfRange = statusOf(() -> agent.swapPort(
        SwapPortRequest.newBuilder().setEpoch(9).setGroup("web").setServicePort(80).setTargetPort(65536).build()));
    Status same = statusOf(() -> agent.swapPort(
        SwapPortRequest.newBuilder().setEpoch(9).setGroup("web").setServicePort(80).setTargetPort(80).build()));
    Status zero = statusOf(() -> agent.swapPort(
        SwapPortRequest.newBuilder().setEpoch(9).setGroup("web").setTargetPort(80).build()));

    assertThat(outOfRange.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(outOfRange.getDescription()).startsWith("target_port:");
    assertThat(same.getDescription()).startsWith("target_port:");
    assertThat(zero.getDescription()).startsWith("service_port:");
    assertThat(nat.restores).isZero();
    assertThat(agent.getState(GetStateRequest.getDefaultInstance()).getHighestEpoch()).isZero();
  }

  @Test
  void aRedirectBelongsToItsGroup_otherPortsAndGroupsAreRefused_andRemoveGroupTakesItAway() {
    agent.applyBackends(apply(5, swapSet(1)));
    Status foreignTarget = statusOf(() -> agent.swapPort(SwapPortRequest.newBuilder().setEpoch(5).setGroup("web")
        .setServicePort(80).setTargetPort(7111).build()));
    Status foreignService = statusOf(() -> agent.swapPort(SwapPortRequest.newBuilder().setEpoch(5).setGroup("web")
        .setServicePort(22).setTargetPort(10001).build()));
    Status unknownGroup = statusOf(() -> agent.swapPort(SwapPortRequest.newBuilder().setEpoch(6).setGroup("nope")
        .setServicePort(80).setTargetPort(10001).build()));

    assertThat(foreignTarget.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(foreignTarget.getDescription()).startsWith("target_port:").contains("[10001, 10002]");
    assertThat(foreignService.getDescription()).startsWith("service_port:").contains("frontend port 80");
    assertThat(unknownGroup.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(nat.restores).isZero();
    assertThat(agent.getState(GetStateRequest.getDefaultInstance()).getHighestEpoch()).isEqualTo(5);

    agent.swapPort(SwapPortRequest.newBuilder().setEpoch(5).setGroup("web").setServicePort(80).setTargetPort(10002)
        .build());
    assertThat(agent.getState(GetStateRequest.getDefaultInstance()).getRedirectsCount()).isEqualTo(2);
    agent.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(5).setGroup("web").build());
    assertThat(agent.getState(GetStateRequest.getDefaultInstance()).getRedirectsCount()).isZero();
    // Nor does a restart bring it back.
    assertThat(startAgent().getState(GetStateRequest.getDefaultInstance()).getRedirectsCount()).isZero();
  }

  @Test
  void aDeposedLeadersSwapNeverLandsAfterTheNewLeaders() throws Exception {
    agent.applyBackends(apply(5, swapSet(1)));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int i = 0; i < 30; i++) {
        long oldEpoch = 5 + 2L * i;
        CountDownLatch go = new CountDownLatch(1);
        var deposed = pool.submit(() -> {
          go.await();
          return Calls.codeOf(() -> agent.swapPort(SwapPortRequest.newBuilder().setEpoch(oldEpoch).setGroup("web")
              .setServicePort(80).setTargetPort(10001).build()));
        });
        var leader = pool.submit(() -> {
          go.await();
          return Calls.codeOf(() -> agent.swapPort(SwapPortRequest.newBuilder().setEpoch(oldEpoch + 1).setGroup("web")
              .setServicePort(80).setTargetPort(10002).build()));
        });
        go.countDown();
        deposed.get(10, TimeUnit.SECONDS);
        assertThat(leader.get(10, TimeUnit.SECONDS)).isEqualTo(Status.Code.OK);
        assertThat(agent.getState(GetStateRequest.getDefaultInstance()).getRedirectsList())
            .as("try %d", i).allMatch(r -> r.getTargetPort() == 10002);
        // Reset for the next try, by the next leader.
        agent.swapPort(SwapPortRequest.newBuilder().setEpoch(oldEpoch + 2).setGroup("web")
            .setServicePort(80).setTargetPort(10001).build());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void withoutNetAdmin_swapIsFailedPrecondition_andEverythingElseWorks() {
    netAdmin = false;
    LbAgentGrpc.LbAgentBlockingStub unprivileged = startAgent();

    Status s = statusOf(() -> unprivileged.swapPort(
        SwapPortRequest.newBuilder().setEpoch(5).setGroup("web").setServicePort(80).setTargetPort(10001).build()));

    assertThat(s.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(s.getDescription())
        .isEqualTo("SwapPort needs CAP_NET_ADMIN: run the agent as root or with --cap-add NET_ADMIN");
    unprivileged.applyBackends(apply(5, set(1)));
    AgentState state = unprivileged.getState(GetStateRequest.getDefaultInstance());
    assertThat(state.getPortSwapAvailable()).isFalse();
    assertThat(state.getBackendsCount()).isEqualTo(1);
  }

  @Test
  void getState_combinesHaproxyIptablesAndTheEpoch() {
    agent.applyBackends(apply(7, swapSet(3)));
    agent.swapPort(SwapPortRequest.newBuilder().setEpoch(7).setGroup("web").setServicePort(80).setTargetPort(10001)
        .build());

    AgentState s = agent.getState(GetStateRequest.getDefaultInstance());

    assertThat(s.getAgentId()).isEqualTo("lb-1");
    assertThat(s.getHighestEpoch()).isEqualTo(7);
    assertThat(s.getBackends(0).getAppliedVersion()).isEqualTo(3);
    assertThat(s.getWorkersList()).hasSize(1);
    assertThat(s.getRedirectsCount()).isEqualTo(2);
    assertThat(s.getHaproxyVersion()).isEqualTo("2.6.12-in-memory");
    assertThat(s.getPortSwapAvailable()).isTrue();
  }

  @Test
  void concurrentAppliesOfOneGroup_neverApplyAnOlderVersionAfterANewerOne() throws Exception {
    var pool = Executors.newFixedThreadPool(4);
    try {
      var futures = new ArrayList<Future<?>>();
      for (int v = 1; v <= 40; v++) {
        long version = v;
        futures.add(pool.submit(() -> {
          try {
            agent.applyBackends(apply(5, set(version)));
          } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          }
        }));
      }
      for (var f : futures) {
        f.get(20, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    long last = -1;
    for (InMemoryBackendController.Applied a : controller.applyCalls) {
      assertThat(a.set().version()).isGreaterThanOrEqualTo(last);
      last = a.set().version();
    }
    assertThatThrownBy(() -> agent.applyBackends(apply(5, set(1)))).isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void shutdownSessions_cutsAndCounts_unknownServerIsNotFound_staleEpochRefused() {
    openSessions.put("web/blue-1", 3);
    ShutdownSessionsRequest.Builder req = ShutdownSessionsRequest.newBuilder().setEpoch(5).setGroup("web")
        .setServer("blue-1");

    assertThat(agent.shutdownSessions(req.build()).getSessionsCut()).isEqualTo(3);
    assertThat(agent.shutdownSessions(req.build()).getSessionsCut()).isZero(); // idempotent

    Status unknown = statusOf(() -> agent.shutdownSessions(req.setServer("green-9").build()));
    assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    Status badName = statusOf(() -> agent.shutdownSessions(req.setServer("a/b").build()));
    assertThat(badName.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badName.getDescription()).startsWith("server:");
    openSessions.put("web/blue-1", 2);
    Status stale = statusOf(() -> agent.shutdownSessions(req.setServer("blue-1").setEpoch(4).build()));
    assertThat(stale.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(openSessions.get("web/blue-1")).as("a stale leader cut nothing").isEqualTo(2);
  }

  /** The controller's group locks leave no trace either: see GroupIsolationIT. */
  @Test
  void groupsThatComeAndGo_leaveNoTrace_inTheFenceFile() throws Exception {
    agent.applyBackends(ApplyBackendsRequest.newBuilder().setEpoch(1)
        .setBackendSet(set(1).toBuilder().setGroup("g-base")).build());
    agent.removeGroup(io.zdd.proto.v1.RemoveGroupRequest.newBuilder().setEpoch(1).setGroup("g-base").build());
    long baseline = Files.size(dataDir.resolve("epoch-state"));

    for (int i = 0; i < 100; i++) {
      agent.applyBackends(ApplyBackendsRequest.newBuilder().setEpoch(1)
          .setBackendSet(set(1).toBuilder().setGroup("g" + i)).build());
    }
    assertThat(Files.size(dataDir.resolve("epoch-state"))).isGreaterThan(baseline);
    for (int i = 0; i < 100; i++) {
      agent.removeGroup(io.zdd.proto.v1.RemoveGroupRequest.newBuilder().setEpoch(1).setGroup("g" + i).build());
    }

    assertThat(Files.size(dataDir.resolve("epoch-state"))).isEqualTo(baseline);
  }
}
