package io.zdd.agent.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.zdd.agent.firewall.IptablesCommands;
import io.zdd.agent.firewall.PortSwapper;
import io.zdd.agent.state.EpochStore;
import io.zdd.common.model.AgentId;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.RemoveGroupRequest;
import io.zdd.proto.v1.ShutdownSessionsRequest;
import io.zdd.proto.v1.SwapPortRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Every mutating RPC of the agent with hostile fields (names with spaces, newlines, {@code ;},
 * {@code @!}, unicode; huge, negative and zero numbers), over in-process gRPC. Invariants: the
 * answer is OK or a documented refusal (never INTERNAL or UNKNOWN), and a refused call changes
 * nothing the agent reports. Fixed seed; raise tries for longer runs.
 */
class AgentEdgeProperties {
  private static final Set<Status.Code> DOCUMENTED = Set.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
      Status.Code.FAILED_PRECONDITION, Status.Code.NOT_FOUND);
  private static Path dataDir;
  private static ScheduledExecutorService scheduler;
  private static Server server;
  private static ManagedChannel channel;
  private static LbAgentGrpc.LbAgentBlockingStub agent;

  @BeforeContainer
  static void start() throws Exception {
    dataDir = Files.createTempDirectory("zdd-edge-props");
    scheduler = Executors.newSingleThreadScheduledExecutor();
    PortSwapper swapper = new PortSwapper(new FakeNatTable(), IptablesCommands.defaults(Optional.empty()), dataDir,
        () -> true);
    swapper.start();
    LbAgentService service = new LbAgentService(AgentId.of("lb-1"), EpochStore.open(dataDir),
        new InMemoryBackendController(), new InMemoryConnectionSampler(), swapper, (group, srv) -> 0, scheduler,
        Clock.systemUTC(), LbAgentService.StreamSettings.DEFAULTS,
        LbAgentService.Limits.DEFAULTS);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    agent = LbAgentGrpc.newBlockingStub(channel);
  }

  @AfterContainer
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    scheduler.shutdownNow();
  }

  @Provide
  static Arbitrary<String> hostile() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.strings().withChars("a-z0-9_.-;:@! \n\r\u0000\u00e9[]").ofMaxLength(20),
        Arbitraries.of("web", "s1", "10.0.0.1", "::1", "1.2.3.4:80", ":::::", "a b", "x;y", "@!", "ü", ""));
  }

  @Provide
  static Arbitrary<Long> numbers() {
    return Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(-2, 70000),
        Arbitraries.of(0L, 1L, Long.MAX_VALUE, Long.MIN_VALUE, 4294967295L));
  }

  @Provide
  static Arbitrary<Consumer<LbAgentGrpc.LbAgentBlockingStub>> calls() {
    Arbitrary<io.zdd.proto.v1.Server> servers = Combinators.combine(hostile(), hostile(), numbers(), numbers())
        .as((n, a, p, w) -> io.zdd.proto.v1.Server.newBuilder().setName(n).setAddress(a).setPort((int) (long) p)
            .setWeight((int) (long) w).build());
    Arbitrary<Consumer<LbAgentGrpc.LbAgentBlockingStub>> apply = Combinators.combine(numbers(), hostile(), numbers(),
            numbers(), servers.list().ofMaxSize(3))
        .as((epoch, group, version, port, ss) -> s -> s.applyBackends(ApplyBackendsRequest.newBuilder().setEpoch(epoch)
            .setBackendSet(BackendSet.newBuilder().setGroup(group).setVersion(version).setFrontendPort((int) (long) port)
                .addAllServers(ss)).build()));
    Arbitrary<Consumer<LbAgentGrpc.LbAgentBlockingStub>> remove = Combinators.combine(numbers(), hostile())
        .as((epoch, group) -> s -> s.removeGroup(RemoveGroupRequest.newBuilder().setEpoch(epoch).setGroup(group).build()));
    Arbitrary<Consumer<LbAgentGrpc.LbAgentBlockingStub>> swap = Combinators.combine(numbers(), hostile(), numbers(),
            numbers())
        .as((epoch, group, from, to) -> s -> s.swapPort(SwapPortRequest.newBuilder().setEpoch(epoch).setGroup(group)
            .setServicePort((int) (long) from).setTargetPort((int) (long) to).build()));
    Arbitrary<Consumer<LbAgentGrpc.LbAgentBlockingStub>> shut = Combinators.combine(numbers(), hostile(), hostile())
        .as((epoch, group, srv) -> s -> s.shutdownSessions(ShutdownSessionsRequest.newBuilder().setEpoch(epoch)
            .setGroup(group).setServer(srv).build()));
    return Arbitraries.oneOf(apply, apply, remove, swap, shut);
  }

  @Property(seed = "20261204")
  void everyWrite_isAnsweredWithADocumentedCode_andARefusalChangesNothing(
      @ForAll("calls") Consumer<LbAgentGrpc.LbAgentBlockingStub> call) {
    String before = agent.getState(GetStateRequest.getDefaultInstance()).toString();
    Status.Code code;
    try {
      call.accept(agent);
      code = Status.Code.OK;
    } catch (StatusRuntimeException e) {
      code = e.getStatus().getCode();
      assertThat(e.getStatus().getDescription()).as("a refusal says why").isNotBlank();
    }
    assertThat(code).isIn(DOCUMENTED);
    if (code != Status.Code.OK) {
      assertThat(agent.getState(GetStateRequest.getDefaultInstance()).toString()).isEqualTo(before);
    }
  }
}
