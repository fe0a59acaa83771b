package io.zdd.agent.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.agent.core.ConnectionSampler.Counts;
import io.zdd.agent.firewall.IptablesCommands;
import io.zdd.agent.firewall.PortSwapper;
import io.zdd.agent.state.EpochStore;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerConnections;
import io.zdd.common.testing.GrpcInProcessExtension;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.Server;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared reading's pace with a watch held open all the time (as the coordinator does), on
 * the fake clock: idle readings while nothing matters, fast ones right after a write command and
 * while a drained server still holds connections, and the metrics endpoint reusing the reading.
 */
class IdleSamplingTest {
  private static final Duration IDLE = Duration.ofSeconds(2);
  private static final Duration HOT = Duration.ofSeconds(10);

  @RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();
  @TempDir Path dataDir;

  private final FakeClock time = new FakeClock();
  private final InMemoryConnectionSampler sampler = new InMemoryConnectionSampler();
  private final InMemoryBackendController controller = new InMemoryBackendController();
  private SharedConnectionSampling sampling;
  private LbAgentService service;
  private LbAgentGrpc.LbAgentStub stub;
  private LbAgentGrpc.LbAgentBlockingStub blocking;

  @BeforeEach
  void startAgent() {
    sampling = new SharedConnectionSampling(sampler, time.scheduler, time.clock, new SamplingPace(IDLE, HOT),
        controller::desired);
    service = new LbAgentService(AgentId.of("agent-1"), EpochStore.open(dataDir), controller,
        new PortSwapper((c, in, t) -> { throw new AssertionError("no iptables here"); },
            IptablesCommands.defaults(Optional.empty()), dataDir, () -> false),
        (group, server) -> 0, LbAgentService.StreamSettings.DEFAULTS, LbAgentService.Limits.DEFAULTS, sampling);
    var channel = grpc.start(service);
    stub = LbAgentGrpc.newStub(channel);
    blocking = LbAgentGrpc.newBlockingStub(channel);
    sampler.set(counts(AdminState.READY, 3));
  }

  @AfterEach
  void endStreams() {
    service.closeStreams();
  }

  private static Counts counts(AdminState state, int scur) {
    return new Counts(List.of(new ServerConnections(GroupName.of("web"), "a", scur, 0, 100, "UP", state, 0)),
        List.of());
  }

  private SampleRecorder watch() {
    return SampleRecorder.automatic().watch(stub, WatchConnectionsRequest.newBuilder().setIntervalMs(100)
        .setHeartbeatMs(5000).build());
  }

  private void apply(long version, int weight, io.zdd.proto.v1.AdminState state) {
    blocking.applyBackends(ApplyBackendsRequest.newBuilder().setEpoch(1).setBackendSet(BackendSet.newBuilder()
        .setGroup("web").setVersion(version).setFrontendPort(8080).addServers(Server.newBuilder().setName("a")
            .setAddress("10.0.0.1").setPort(31001).setWeight(weight).setAdminState(state))).build());
  }

  /** Moves the fake time by {@code ms} in 100 ms steps and returns how many readings it took. */
  private int readingsOver(int ms) {
    int before = sampler.calls.get();
    for (int t = 0; t < ms; t += 100) {
      time.forward(Duration.ofMillis(100));
    }
    return sampler.calls.get() - before;
  }

  @Test
  void nothingGoingOn_readsHaproxyOnlyAtTheIdleInterval() {
    SampleRecorder r = watch();
    time.forward(Duration.ZERO);
    assertThat(r.received).as("the first sample at once").hasSize(1);

    assertThat(readingsOver(10_000)).as("10 s idle at a 2 s pace").isEqualTo(5);
    assertThat(sampling.idle()).isTrue();
  }

  @Test
  void aWriteCommand_readsFastAtOnceForTheHotWindow_thenIdleAgain() {
    apply(1, 100, io.zdd.proto.v1.AdminState.READY);
    SampleRecorder r = watch();
    time.forward(Duration.ZERO);
    readingsOver((int) HOT.toMillis() + 12_000); // past the first apply's window
    assertThat(sampling.idle()).isTrue();

    int before = sampler.calls.get();
    apply(2, 100, io.zdd.proto.v1.AdminState.READY);
    time.forward(Duration.ofMillis(100));
    assertThat(sampler.calls.get()).as("a reading one fast interval after the last, not at the next idle one")
        .isEqualTo(before + 1);
    assertThat(sampling.idle()).isFalse();
    assertThat(readingsOver(9_000)).as("9 s of the hot window at 100 ms").isBetween(89, 91);

    readingsOver(2_000);
    assertThat(sampling.idle()).as("the window is over").isTrue();
    assertThat(readingsOver(10_000)).isEqualTo(5);
    assertThat(r.received).isNotEmpty();
  }

  @Test
  void aDrainedServerHoldingConnections_keepsReadingFast_untilItsCountReachesZero() {
    SampleRecorder r = watch();
    time.forward(Duration.ZERO);
    apply(1, 100, io.zdd.proto.v1.AdminState.DRAIN);
    sampler.set(counts(AdminState.DRAIN, 3));
    readingsOver((int) HOT.toMillis() + 20_000);
    assertThat(sampling.idle()).as("the drain is still under way past the hot window").isFalse();
    assertThat(readingsOver(1_000)).isBetween(9, 11);

    sampler.set(counts(AdminState.DRAIN, 0));
    time.forward(Duration.ofMillis(100));
    assertThat(r.last().getServers(0).getScur()).as("the end of the drain is sent within one fast interval")
        .isZero();
    assertThat(r.last().getServers(0).getAdminState()).isEqualTo(io.zdd.proto.v1.AdminState.DRAIN);
    assertThat(sampling.idle()).isTrue();
  }

  @Test
  void unchangedCounts_stillSendAHeartbeat_atTheFirstIdleReadingAfterIt() {
    SampleRecorder r = watch();
    time.forward(Duration.ZERO);
    readingsOver(5_000);
    assertThat(r.received).as("no change within the heartbeat").hasSize(1);
    readingsOver(1_000);
    assertThat(r.received).hasSize(2);
    assertThat(r.last().getHeartbeat()).isTrue();
    assertThat(r.last().getSampledAtUnixMs() - r.received.get(0).getSampledAtUnixMs()).isEqualTo(6_000);
  }

  @Test
  void metrics_reuseAFreshSharedReading_andReadHaproxyThemselvesOnlyWhenItIsStale() {
    watch();
    time.forward(Duration.ZERO);
    int before = sampler.calls.get();
    assertThat(sampling.counts(Duration.ofSeconds(3)).servers()).hasSize(1);
    assertThat(sampler.calls.get()).as("the stream's reading is fresh enough").isEqualTo(before);

    service.closeStreams();
    time.forward(Duration.ofSeconds(10));
    assertThat(sampler.calls.get()).as("no stream, no readings").isEqualTo(before);
    assertThat(sampling.counts(Duration.ofSeconds(3)).servers()).hasSize(1);
    assertThat(sampler.calls.get()).as("stale: read now").isEqualTo(before + 1);
  }
}
