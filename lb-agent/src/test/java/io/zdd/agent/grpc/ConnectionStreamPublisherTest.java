package io.zdd.agent.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.zdd.agent.firewall.IptablesCommands;
import io.zdd.agent.firewall.PortSwapper;
import io.zdd.agent.state.EpochStore;
import io.zdd.common.model.AgentId;
import io.zdd.common.testing.GrpcInProcessExtension;
import io.zdd.proto.v1.ConnectionSample;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * WatchConnections behaviour with time under the test's control: in-process gRPC, a fake clock
 * and scheduler, and an in-memory sampler. Change-only sending, heartbeats, coalescing while the
 * client does not pull, and cancellation.
 */
class ConnectionStreamPublisherTest {
  @RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();
  @TempDir Path dataDir;

  private final FakeClock time = new FakeClock();
  private final InMemoryConnectionSampler sampler = new InMemoryConnectionSampler();
  private LbAgentService service;
  private LbAgentGrpc.LbAgentStub stub;

  @BeforeEach
  void startAgent() {
    service = new LbAgentService(AgentId.of("agent-1"), EpochStore.open(dataDir), new InMemoryBackendController(),
        sampler, new PortSwapper((c, in, t) -> { throw new AssertionError("no iptables here"); },
            IptablesCommands.defaults(Optional.empty()), dataDir, () -> false),
        (group, server) -> 0,
        time.scheduler, time.clock, LbAgentService.StreamSettings.DEFAULTS,
        LbAgentService.Limits.DEFAULTS);
    ManagedChannel channel = grpc.start(service);
    stub = LbAgentGrpc.newStub(channel);
    sampler.set(InMemoryConnectionSampler.servers("web", 2, 0));
  }

  /** Open streams would keep the channel from shutting down gracefully. */
  @AfterEach
  void endStreams() {
    service.closeStreams();
  }

  private SampleRecorder watch(SampleRecorder r, int intervalMs, int heartbeatMs, String... groups) {
    return r.watch(stub, WatchConnectionsRequest.newBuilder().addAllGroups(List.of(groups))
        .setIntervalMs(intervalMs).setHeartbeatMs(heartbeatMs).build());
  }

  private SampleRecorder watchWithCredit(int credit, int intervalMs) {
    return SampleRecorder.automatic().watch(stub, WatchConnectionsRequest.newBuilder()
        .setIntervalMs(intervalMs).setHeartbeatMs(60_000).setCredit(credit).build());
  }

  private void tick(int times, int ms) {
    for (int i = 0; i < times; i++) {
      time.forward(Duration.ofMillis(ms));
    }
  }

  @Test
  void unchangedCounts_areNotResent_untilTheHeartbeat() {
    SampleRecorder r = watch(SampleRecorder.automatic(), 100, 1000);

    time.forward(Duration.ZERO);
    assertThat(r.received).hasSize(1);
    assertThat(r.received.get(0).getSequence()).isEqualTo(1);
    assertThat(r.received.get(0).getHeartbeat()).isFalse();
    assertThat(r.received.get(0).getAgentId()).isEqualTo("agent-1");

    tick(9, 100); // t = 900 ms, nothing changed
    assertThat(r.received).hasSize(1);
    assertThat(sampler.calls.get()).isEqualTo(10);

    tick(1, 100); // t = 1000 ms: heartbeat due
    assertThat(r.received).hasSize(2);
    assertThat(r.last().getHeartbeat()).isTrue();
    assertThat(r.last().getSequence()).isEqualTo(11);
    assertThat(r.last().getSampledAtUnixMs() - r.received.get(0).getSampledAtUnixMs()).isEqualTo(1000);
  }

  @Test
  void changedCounts_areSentAtTheNextSample() {
    SampleRecorder r = watch(SampleRecorder.automatic(), 100, 5000);
    time.forward(Duration.ZERO);
    tick(3, 100);
    assertThat(r.received).hasSize(1);

    sampler.set(InMemoryConnectionSampler.servers("web", 2, 7));
    tick(1, 100);

    assertThat(r.received).hasSize(2);
    assertThat(r.last().getHeartbeat()).isFalse();
    assertThat(r.last().getSequence()).isEqualTo(5);
    assertThat(r.last().getServers(0).getScur()).isEqualTo(7);
    assertThat(r.last().getWorkers(0).getConnections()).isEqualTo(14);
  }

  @Test
  void defaultsApply_andTooShortAnIntervalIsRaisedToTheFloor() {
    SampleRecorder r = watch(SampleRecorder.automatic(), 10, 0);
    time.forward(Duration.ZERO);
    sampler.changeOnEverySample = true;

    time.forward(Duration.ofMillis(49));
    assertThat(r.received).hasSize(1);
    time.forward(Duration.ofMillis(1)); // 50 ms floor
    assertThat(r.received).hasSize(2);

    SampleRecorder d = watch(SampleRecorder.automatic(), 0, 0);
    time.forward(Duration.ZERO);
    int before = d.received.size();
    sampler.changeOnEverySample = false;
    time.forward(Duration.ofMillis(4999)); // default heartbeat 5 s
    assertThat(d.received).hasSize(before);
    time.forward(Duration.ofMillis(250)); // next default 250 ms tick after the 5 s mark
    assertThat(d.received).hasSize(before + 1);
    assertThat(d.last().getHeartbeat()).isTrue();
  }

  @Test
  void groupsFilter_isPassedToTheSampler() {
    sampler.set(new io.zdd.agent.core.ConnectionSampler.Counts(
        Stream.concat(InMemoryConnectionSampler.servers("web", 1, 1).servers().stream(),
            InMemoryConnectionSampler.servers("api", 1, 1).servers().stream()).toList(), List.of()));
    SampleRecorder r = watch(SampleRecorder.automatic(), 100, 1000, "api");

    time.forward(Duration.ZERO);

    assertThat(r.last().getServersList()).extracting(s -> s.getGroup()).containsExactly("api");
  }

  @Test
  void clientNotPulling_keepsOnlyTheNewestSample_andSendsItWhenAsked() {
    SampleRecorder r = watch(SampleRecorder.manual(1), 100, 1000);
    sampler.changeOnEverySample = true;
    time.forward(Duration.ZERO);
    assertThat(r.received).hasSize(1);
    ConnectionStreamPublisher p = service.openStreams().iterator().next();

    tick(30, 100); // 30 changed samples while the client requested nothing more

    assertThat(r.received).hasSize(1);
    assertThat(p.takenSamples()).isEqualTo(31);
    assertThat(p.bufferedSamples()).isEqualTo(1);
    assertThat(p.maxBufferedSamples()).isEqualTo(1);
    assertThat(p.coalescedSamples()).isEqualTo(29);

    r.call.request(1); // the on-ready handler sends the one sample kept

    assertThat(r.received).hasSize(2);
    assertThat(r.last().getSequence()).isEqualTo(31);
    assertThat(r.last().getServers(0).getScur()).isEqualTo(31);
    assertThat(p.bufferedSamples()).isZero();
  }

  @Test
  void clientCancel_stopsSampling() {
    SampleRecorder r = watch(SampleRecorder.automatic(), 100, 1000);
    time.forward(Duration.ZERO);
    assertThat(time.pendingTasks()).isEqualTo(1);

    r.call.cancel("done watching", null);

    assertThat(service.openStreams()).isEmpty();
    assertThat(time.pendingTasks()).isZero();
    int calls = sampler.calls.get();
    tick(10, 100);
    assertThat(sampler.calls.get()).isEqualTo(calls);
  }

  @Test
  void samplerFailure_keepsTheStreamAndRecovers() {
    SampleRecorder r = watch(SampleRecorder.automatic(), 100, 1000);
    sampler.failWith(new io.zdd.common.error.UnavailableException("stats socket gone"));
    tick(3, 100);
    assertThat(r.received).isEmpty();
    assertThat(r.error).isNull();

    sampler.failWith(null);
    tick(1, 100);

    assertThat(r.received).hasSize(1);
  }

  @Test
  void agentShutdown_endsStreamsWithUnavailable() {
    SampleRecorder r = watch(SampleRecorder.automatic(), 100, 1000);
    time.forward(Duration.ZERO);

    service.closeStreams();

    assertThat(Status.fromThrowable(r.error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(time.pendingTasks()).isZero();
    SampleRecorder late = watch(SampleRecorder.automatic(), 100, 1000);
    assertThat(Status.fromThrowable(late.error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void badRequest_isRefusedNamingTheField() {
    SampleRecorder bad = watch(SampleRecorder.automatic(), 100, 1000, "web", "no spaces allowed");
    assertThat(Status.fromThrowable(bad.error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Status.fromThrowable(bad.error).getDescription()).startsWith("groups[1]:");

    SampleRecorder hb = watch(SampleRecorder.automatic(), 1000, 500);
    assertThat(Status.fromThrowable(hb.error).getDescription()).startsWith("heartbeat_ms:");
    assertThat(service.openStreams()).isEmpty();
  }

  @Test
  void withCredit_onlyWhatWasGrantedIsSent_andMoreCreditGetsTheNewestSample() {
    SampleRecorder r = watchWithCredit(2, 100);
    sampler.changeOnEverySample = true;
    time.forward(Duration.ZERO);
    tick(10, 100); // 11 changed samples, credit for 2

    assertThat(r.received).extracting(ConnectionSample::getSequence).containsExactly(1L, 2L);
    ConnectionStreamPublisher p = service.openStreams().iterator().next();
    assertThat(p.bufferedSamples()).isEqualTo(1);
    assertThat(p.maxBufferedSamples()).isEqualTo(1);

    r.grant(1);

    assertThat(r.received).extracting(ConnectionSample::getSequence).containsExactly(1L, 2L, 11L);
    assertThat(r.last().getSampledAtUnixMs() - r.received.get(0).getSampledAtUnixMs()).isEqualTo(1000);
    tick(3, 100);
    assertThat(r.received).as("credit spent again").hasSize(3);
    assertThat(r.error).isNull();
  }

  @Test
  void credit_saturatesAtTheBound_andTooMuchInOneMessageIsRefused() {
    SampleRecorder r = watchWithCredit(ConnectionStreamPublisher.MAX_CREDIT, 50);
    r.grant(ConnectionStreamPublisher.MAX_CREDIT);
    sampler.changeOnEverySample = true;
    time.forward(Duration.ZERO);
    tick(1500, 50);
    assertThat(r.received).hasSize(ConnectionStreamPublisher.MAX_CREDIT);

    r.grant(ConnectionStreamPublisher.MAX_CREDIT + 1);
    assertThat(Status.fromThrowable(r.error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Status.fromThrowable(r.error).getDescription()).startsWith("credit:");
    assertThat(service.openStreams()).isEmpty();

    SampleRecorder opening = watchWithCredit(ConnectionStreamPublisher.MAX_CREDIT + 1, 50);
    assertThat(Status.fromThrowable(opening.error).getDescription()).startsWith("credit:");
    assertThat(service.openStreams()).isEmpty();
  }

  @Test
  void streamsOfOneInterval_shareOneReadingOfHaproxy_eachWithItsOwnGroups() {
    sampler.set(new io.zdd.agent.core.ConnectionSampler.Counts(
        Stream.concat(InMemoryConnectionSampler.servers("web", 1, 1).servers().stream(),
            InMemoryConnectionSampler.servers("api", 1, 1).servers().stream()).toList(), List.of()));
    List<SampleRecorder> web = Stream.generate(() -> watch(SampleRecorder.automatic(), 100, 1000, "web")).limit(5)
        .toList();
    SampleRecorder every = watch(SampleRecorder.automatic(), 100, 1000);
    time.forward(Duration.ZERO);
    tick(9, 100);

    assertThat(sampler.calls.get()).as("one reading per interval for six streams").isEqualTo(10);
    assertThat(service.samplingTasks()).isEqualTo(1);
    assertThat(time.pendingTasks()).isEqualTo(1);
    web.forEach(r -> assertThat(r.last().getServersList()).extracting(s -> s.getGroup()).containsExactly("web"));
    assertThat(every.last().getServersList()).extracting(s -> s.getGroup()).containsExactlyInAnyOrder("web", "api");

    // A stream joining a running feed gets the latest reading at once, without reading HAProxy again.
    SampleRecorder late = watch(SampleRecorder.automatic(), 100, 1000, "api");
    assertThat(late.received).hasSize(1);
    assertThat(sampler.calls.get()).isEqualTo(10);

    web.forEach(r -> r.call.cancel("done", null));
    every.call.cancel("done", null);
    assertThat(service.samplingTasks()).as("the feed runs while a stream watches").isEqualTo(1);
    late.call.cancel("done", null);
    assertThat(service.samplingTasks()).isZero();
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void streamsBeyondMaxStreams_areResourceExhausted_andAClosedStreamFreesItsSlot() {
    int max = LbAgentService.Limits.DEFAULTS.maxStreams();
    List<SampleRecorder> open = Stream.generate(() -> watch(SampleRecorder.automatic(), 100, 1000)).limit(max)
        .toList();
    assertThat(service.openStreams()).hasSize(max);

    SampleRecorder refused = watch(SampleRecorder.automatic(), 100, 1000);
    assertThat(Status.fromThrowable(refused.error).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(Status.fromThrowable(refused.error).getDescription()).contains("--max-streams");
    assertThat(service.openStreams()).hasSize(max);

    open.get(0).call.cancel("done", null);
    assertThat(service.openStreams()).hasSize(max - 1);
    SampleRecorder next = watch(SampleRecorder.automatic(), 100, 1000);
    time.forward(Duration.ZERO);
    assertThat(next.error).isNull();
    assertThat(next.received).isNotEmpty();
    assertThat(service.openStreams()).hasSize(max);
  }
}
