package io.zdd.agent.haproxy;

import static io.zdd.agent.haproxy.Harness.server;
import static io.zdd.agent.haproxy.Harness.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.zdd.agent.exec.ProcessCommandRunner;
import io.zdd.agent.firewall.IptablesCommands;
import io.zdd.agent.firewall.PortSwapper;
import io.zdd.agent.grpc.LbAgentService;
import io.zdd.agent.state.EpochStore;
import io.zdd.common.concurrent.CallDeadline;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ProxyMode;
import io.zdd.common.testing.GrpcInProcessExtension;
import io.zdd.common.testing.Timing;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.ApplyBackendsResponse;
import io.zdd.proto.v1.LbAgentGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Groups do not wait for each other in the agent: a change held up inside one group (HAProxy
 * slow for that group's runtime commands, through a {@link SlowSocket}) lets other groups' changes,
 * and the reload watcher's re-assertion of them, go through; a second change to the busy group
 * ends at its caller's deadline without leaving anything of itself; a refused change rolls back
 * its own group only. Real HAProxy, real local backends.
 */
class GroupIsolationIT {
  static final GroupName SHOP = GroupName.of("shop");
  static final GroupName BLOG = GroupName.of("blog");
  static final Epoch E1 = Epoch.of(1);

  @RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();
  @TempDir Path dir;
  @TempDir Path dataDir;
  TestBackends apps;
  TestBackends.Backend app;
  SlowSocket slow;
  Harness h;
  int shopPort;
  int blogPort;
  final ExecutorService pool = Executors.newCachedThreadPool();

  @BeforeEach
  void start() {
    apps = new TestBackends();
    app = apps.start("app");
    shopPort = TestBackends.freePort();
    blogPort = TestBackends.freePort();
    // The controller's commands go through the slow socket, each allowed 30 s (a held one waits).
    h = new Harness(dir, ControllerSettings.defaults(), Duration.ofSeconds(30), haproxy -> {
      slow = SlowSocket.start(dir.resolve("slow.sock"), haproxy.paths().statsSocket());
      return new HaproxyRuntimeClient(slow.path(), Duration.ofSeconds(30));
    });
  }

  @AfterEach
  void stop() {
    slow.release();
    pool.shutdownNow();
    h.close();
    slow.close();
    apps.close();
  }

  BackendSet shop(long version, int weight) {
    return set("shop", version, shopPort, ProxyMode.TCP, Optional.empty(),
        List.of(server("s", app, weight, AdminState.READY)));
  }

  BackendSet blog(long version, int weight, AdminState state) {
    return set("blog", version, blogPort, ProxyMode.TCP, Optional.empty(),
        List.of(server("p", app, weight, state), server("q", app, 10, AdminState.READY)));
  }

  /** "state/weight" of one server as HAProxy's current worker has it (asked directly, not through the slow socket). */
  String runtime(GroupName group, String server) {
    return h.haproxy.runtime().showServersState(GroupLayout.mainBackend(group)).stream()
        .filter(r -> r.server().equals(server)).map(r -> r.adminState() + "/" + r.userWeight())
        .findFirst().orElse("absent");
  }

  /** The version of each group's desired set in zdd.cfg. */
  Map<GroupName, Long> versionsInFile() throws Exception {
    Map<GroupName, Long> out = new TreeMap<>();
    ConfigBlocks.parse(Files.readString(h.haproxy.paths().zddConfig())).forEach((g, block) ->
        out.put(g, DesiredSetLine.in(block).orElseThrow().set().version()));
    return out;
  }

  Map<GroupName, Long> versionsObserved() {
    return h.controller.observe().stream()
        .collect(Collectors.toMap(ObservedBackend::group, ObservedBackend::appliedVersion, (a, b) -> a, TreeMap::new));
  }

  static Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private LbAgentGrpc.LbAgentBlockingStub agent() {
    PortSwapper noSwap = new PortSwapper(new ProcessCommandRunner(), IptablesCommands.defaults(Optional.empty()),
        dataDir, () -> false);
    LbAgentService service = new LbAgentService(AgentId.of("lb-1"), EpochStore.open(dataDir), h.controller,
        h.sampler, noSwap, h.controller::shutdownSessions, Executors.newSingleThreadScheduledExecutor(),
        Clock.systemUTC(), LbAgentService.StreamSettings.DEFAULTS, LbAgentService.Limits.DEFAULTS);
    return LbAgentGrpc.newBlockingStub(grpc.start(service));
  }

  private static ApplyBackendsRequest request(BackendSet set) {
    return ApplyBackendsRequest.newBuilder().setEpoch(1)
        .setBackendSet(io.zdd.common.grpc.ProtoMapper.toProto(set)).build();
  }

  @Test
  void aChangeHeldUpInOneGroup_letsAnotherGroupsChangeThrough_andASecondChangeToItEndsAtItsDeadline() throws Exception {
    LbAgentGrpc.LbAgentBlockingStub agent = agent();
    agent.withDeadlineAfter(30, TimeUnit.SECONDS).applyBackends(request(shop(1, 10)));
    agent.withDeadlineAfter(30, TimeUnit.SECONDS).applyBackends(request(blog(1, 10, AdminState.READY)));

    // HAProxy stops answering shop's commands: its version 2 is held in its runtime work.
    slow.hold("zdd_be_shop");
    Future<ApplyBackendsResponse> shopV2 = pool.submit(() ->
        agent.withDeadlineAfter(60, TimeUnit.SECONDS).applyBackends(request(shop(2, 20))));
    assertThat(slow.awaitHeld(Timing.seconds(10))).as("shop's change is in its runtime work").isNotNull();

    // Another group's change goes through meanwhile.
    long t0 = System.nanoTime();
    ApplyBackendsResponse blogV2 = agent.withDeadlineAfter(10, TimeUnit.SECONDS)
        .applyBackends(request(blog(2, 30, AdminState.READY)));
    Duration blogTook = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(blogV2.getObserved().getAppliedVersion()).isEqualTo(2);
    assertThat(blogV2.getObserved().getServersList()).filteredOn(s -> s.getName().equals("p"))
        .singleElement().satisfies(s -> assertThat(s.getWeight()).isEqualTo(30));
    assertThat(blogTook).isLessThan(Timing.seconds(5));

    // A second change to shop waits for shop's lock, and its caller's deadline ends the wait.
    long t1 = System.nanoTime();
    assertThat(codeOf(() -> agent.withDeadlineAfter(500, TimeUnit.MILLISECONDS).applyBackends(request(shop(3, 40)))))
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Timing.seconds(3));
    assertThat(shopV2).isNotDone();

    slow.release();
    ApplyBackendsResponse shop2 = shopV2.get(30, TimeUnit.SECONDS);
    assertThat(shop2.getObserved().getAppliedVersion()).isEqualTo(2);

    // Shop is at version 2, nothing of version 3 anywhere; blog's change stayed, in the file too
    // although shop's change (in the file's sets first) finished last. Both are server-only
    // changes: the file follows in the background.
    assertThat(runtime(SHOP, "s")).isEqualTo("READY/20");
    assertThat(runtime(BLOG, "p")).isEqualTo("READY/30");
    await().atMost(Timing.seconds(10)).until(() -> versionsInFile().equals(Map.of(BLOG, 2L, SHOP, 2L)));
    assertThat(versionsObserved()).isEqualTo(Map.of(BLOG, 2L, SHOP, 2L));
    // The fence did not move for version 3: it is still new to the agent, and applies.
    ApplyBackendsResponse shop3 = agent.withDeadlineAfter(30, TimeUnit.SECONDS).applyBackends(request(shop(3, 40)));
    assertThat(shop3.getObserved().getAppliedVersion()).isEqualTo(3);
    assertThat(runtime(SHOP, "s")).isEqualTo("READY/40");
  }

  @Test
  void aReloadWhileOneGroupIsBusy_isReassertedForTheOthers_andHaproxyIsNotCalledUnhealthy() throws Exception {
    h.controller.apply(shop(1, 10), E1);
    h.controller.apply(blog(1, 10, AdminState.READY), E1);
    // A drain: runtime state the config file cannot express, lost by a reload until re-asserted.
    h.controller.apply(blog(2, 10, AdminState.DRAIN), E1);
    h.watcher.start();
    await().atMost(Timing.seconds(5)).until(() -> h.watcher.currentPid() != 0);

    slow.hold("zdd_be_shop");
    Future<ApplyResult> shopV2 = pool.submit(() -> h.controller.apply(shop(2, 20), E1));
    assertThat(slow.awaitHeld(Timing.seconds(10))).isNotNull();

    assertThat(h.haproxy.masterCli().reloadAndWait(Duration.ofSeconds(10)).succeeded()).isTrue();
    await().atMost(Timing.seconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> runtime(BLOG, "p").equals("DRAIN/10"));
    // Shop is still busy; the watcher's polls kept succeeding all along (a busy group is not
    // HAProxy failing to answer: /healthz allows 5 s).
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() ->
        h.watcher.problem(Duration.ofSeconds(3)).isEmpty() && !shopV2.isDone());

    slow.release();
    assertThat(shopV2.get(30, TimeUnit.SECONDS).observed().appliedVersion()).isEqualTo(2);
    await().atMost(Timing.seconds(5)).until(() -> runtime(SHOP, "s").equals("READY/20"));
    assertThat(runtime(BLOG, "p")).isEqualTo("DRAIN/10");
  }

  @Test
  void aReloadBetweenAChangesLookAndItsCommand_isPlannedAgain_notRefused() throws Exception {
    h.controller.apply(shop(1, 10), E1);
    h.controller.apply(blog(1, 10, AdminState.READY), E1);
    // Blog's version 2 adds server r; its 'add server' is held until another group's change has
    // reloaded HAProxy, whose new worker then already has r, from the file blog's change wrote.
    slow.hold("add server zdd_be_blog/r ");
    BackendSet blogV2 = set("blog", 2, blogPort, ProxyMode.TCP, Optional.empty(), List.of(
        server("p", app, 10, AdminState.READY), server("q", app, 10, AdminState.READY),
        server("r", app, 15, AdminState.READY)));
    Future<ApplyResult> blog2 = pool.submit(() -> h.controller.apply(blogV2, E1));
    assertThat(slow.awaitHeld(Timing.seconds(10))).isNotNull();

    GroupName news = GroupName.of("news");
    ApplyResult newGroup = h.controller.apply(set("news", 1, TestBackends.freePort(), ProxyMode.TCP, Optional.empty(),
        List.of(server("n", app, 10, AdminState.READY))), E1);
    assertThat(newGroup.reloaded()).isTrue();
    assertThat(runtime(BLOG, "r")).isEqualTo("READY/15");

    slow.release();
    assertThat(blog2.get(30, TimeUnit.SECONDS).observed().appliedVersion()).isEqualTo(2);
    assertThat(runtime(BLOG, "r")).isEqualTo("READY/15");
    assertThat(versionsObserved()).isEqualTo(Map.of(BLOG, 2L, news, 1L, SHOP, 1L));
    assertThat(versionsInFile()).isEqualTo(Map.of(BLOG, 2L, news, 1L, SHOP, 1L));
  }

  @Test
  void aRefusedChange_rollsBackItsOwnGroupOnly_keepingAnotherGroupsChangeMadeMeanwhile() throws Exception {
    h.controller.apply(shop(1, 10), E1);
    h.controller.apply(blog(1, 10, AdminState.READY), E1);
    slow.holdThenRefuse("set server zdd_be_shop/s weight",
        "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n");
    Future<ApplyResult> shopV2 = pool.submit(() -> h.controller.apply(shop(2, 20), E1));
    assertThat(slow.awaitHeld(Timing.seconds(10))).isNotNull();
    // Blog changes while shop's change, already in the file's sets, converges.
    h.controller.apply(blog(2, 30, AdminState.READY), E1);
    await().atMost(Timing.seconds(10)).until(() -> versionsInFile().equals(Map.of(BLOG, 2L, SHOP, 2L)));

    slow.release();
    assertThatThrownBy(() -> shopV2.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(CommandRejectedException.class);

    // Shop is back at version 1 in the file, the read-back and HAProxy; blog's version 2 stayed.
    await().atMost(Timing.seconds(10)).until(() -> versionsInFile().equals(Map.of(BLOG, 2L, SHOP, 1L)));
    assertThat(versionsObserved()).isEqualTo(Map.of(BLOG, 2L, SHOP, 1L));
    assertThat(runtime(SHOP, "s")).isEqualTo("READY/10");
    assertThat(runtime(BLOG, "p")).isEqualTo("READY/30");
    assertThat(h.controller.runtimeStale()).isFalse();
    // Shop's next change starts from version 1.
    assertThat(h.controller.apply(shop(2, 20), E1).runtimeCommands()).isEqualTo(1);
    assertThat(runtime(SHOP, "s")).isEqualTo("READY/20");
  }

  @Test
  void groupsThatComeAndGo_leaveNoTraceInTheLocks() throws Exception {
    h.controller.apply(shop(1, 10), E1);
    for (int i = 0; i < 5; i++) {
      BackendSet tmp = set("tmp" + i, 1, TestBackends.freePort(), ProxyMode.TCP, Optional.empty(),
          List.of(server("t", app, 10, AdminState.READY)));
      h.controller.apply(tmp, E1);
      assertThat(h.controller.removeGroup(tmp.group())).isTrue();
    }
    assertThat(h.controller.removeGroup(GroupName.of("never"))).isFalse();
    // Refused before anything changed: a port another group uses.
    assertThatThrownBy(() -> h.controller.apply(set("clash", 1, shopPort, ProxyMode.TCP, Optional.empty(),
        List.of(server("c", app, 10, AdminState.READY))), E1)).isInstanceOf(InvalidInputException.class);

    // A waiter whose caller's deadline ends its wait, on a group nobody manages.
    GroupName ghost = GroupName.of("ghost");
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Object> holder = pool.submit(() -> h.controller.withGroup(ghost, () -> {
      held.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }));
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    try (CallDeadline.Scope s = CallDeadline.within(Duration.ofMillis(200))) {
      assertThatThrownBy(() -> h.controller.withGroup(ghost, () -> "ran")).isInstanceOf(DeadlineExceededException.class);
    }
    assertThat(h.controller.groupEntries()).as("shop, and ghost while held").isEqualTo(2);
    release.countDown();
    holder.get(10, TimeUnit.SECONDS);

    assertThat(h.controller.groupEntries()).as("only the managed group").isEqualTo(1);
    assertThat(h.controller.desired()).containsOnlyKeys(SHOP);
  }
}
