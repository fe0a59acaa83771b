package io.zdd.agent.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.zdd.agent.firewall.IptablesCommands;
import io.zdd.agent.firewall.PortSwapper;
import io.zdd.agent.state.EpochStore;
import io.zdd.common.model.AgentId;
import io.zdd.proto.v1.ConnectionSample;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over a real Netty gRPC server and client on 127.0.0.1 (so HTTP/2 flow control is real, unlike
 * in-process): a consumer that stops reading for 10 s while the counts change every 50 ms costs
 * the agent at most one buffered sample; with credit it gets the newest sample when it resumes,
 * whatever its transport's window.
 */
class ConnectionStreamFlowControlTest {
  private static final Duration PAUSE = Duration.ofSeconds(10);
  @TempDir Path dataDir;

  private final InMemoryConnectionSampler sampler = new InMemoryConnectionSampler();
  private ScheduledExecutorService scheduler;
  private LbAgentService service;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    service = new LbAgentService(AgentId.of("agent-1"), EpochStore.open(dataDir), new InMemoryBackendController(),
        sampler, new PortSwapper((c, in, t) -> { throw new AssertionError("no iptables here"); },
            IptablesCommands.defaults(Optional.empty()), dataDir, () -> false),
        (group, server) -> 0,
        scheduler, Clock.systemUTC(), LbAgentService.StreamSettings.DEFAULTS,
        LbAgentService.Limits.DEFAULTS);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
    // A small fixed window (no BDP auto-tuning) so a non-reading client pushes back within a few
    // samples instead of after megabytes.
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
        .initialFlowControlWindow(16 * 1024).build();
  }

  @AfterEach
  void stop() throws Exception {
    service.closeStreams();
    channel.shutdown();
    server.shutdown();
    if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
      channel.shutdownNow();
    }
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
    scheduler.shutdownNow();
    assertThat(scheduler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void consumerThatStopsReading_costsOneSample_andGetsTheNewestOnResume() {
    // ~8 KiB per sample: 200 servers whose counts change on every sample.
    sampler.set(InMemoryConnectionSampler.servers("web", 200, 0));
    sampler.changeOnEverySample = true;
    SampleRecorder client = SampleRecorder.manual(1);
    client.watch(LbAgentGrpc.newStub(channel),
        WatchConnectionsRequest.newBuilder().setIntervalMs(50).setHeartbeatMs(5000).build());
    await().atMost(Duration.ofSeconds(5)).until(() -> client.received.size() == 1);
    ConnectionStreamPublisher publisher = service.openStreams().iterator().next();

    // The client reads nothing more: the transport fills up and the stream stops being ready.
    await().atMost(Duration.ofSeconds(10)).until(() -> publisher.bufferedSamples() == 1);
    long sentAtPause = publisher.sentSamples();
    long takenAtPause = publisher.takenSamples();

    // For the whole pause: nothing more handed to gRPC, never more than one sample held.
    await().during(PAUSE).atMost(PAUSE.plusSeconds(2)).until(() ->
        publisher.sentSamples() == sentAtPause && publisher.bufferedSamples() <= 1
            && publisher.maxBufferedSamples() <= 1);
    long takenDuringPause = publisher.takenSamples() - takenAtPause;
    assertThat(takenDuringPause).as("samples kept being taken and changing").isGreaterThanOrEqualTo(100);
    assertThat(client.received).hasSize(1);

    long newestBeforeResume = publisher.takenSamples();
    client.call.request(Integer.MAX_VALUE);

    await().atMost(Duration.ofSeconds(5)).until(() -> !client.received.isEmpty()
        && client.last().getSequence() >= newestBeforeResume);
    List<Long> seqs = client.received.stream().map(ConnectionSample::getSequence).toList();
    long biggestJump = 0;
    for (int i = 1; i < seqs.size(); i++) {
      assertThat(seqs.get(i)).isGreaterThan(seqs.get(i - 1));
      biggestJump = Math.max(biggestJump, seqs.get(i) - seqs.get(i - 1));
    }
    assertThat(biggestJump).as("the samples of the pause were coalesced into one").isGreaterThanOrEqualTo(100);
    assertThat(publisher.maxBufferedSamples()).isEqualTo(1);
    assertThat(sentAtPause).as("samples in flight when the transport pushed back").isLessThan(20);
    System.out.printf("flow control: %d sent before push-back, %d taken during %s pause, biggest sequence jump %d%n",
        sentAtPause, takenDuringPause, PAUSE, biggestJump);
  }

  /**
   * A consumer with gRPC's default client settings (a window of megabytes, automatic inbound flow
   * control) that reads one sample at a time with one credit each, pauses 10 s, then asks again:
   * without credit, every sample of the pause would sit in its transport and arrive first.
   */
  @Test
  void consumerWithCredit_pausedTenSeconds_nextGetsTheNewestSample() throws Exception {
    sampler.set(InMemoryConnectionSampler.servers("web", 20, 0));
    sampler.changeOnEverySample = true;
    ManagedChannel roomy = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      SampleRecorder client = SampleRecorder.automatic().watch(LbAgentGrpc.newStub(roomy),
          WatchConnectionsRequest.newBuilder().setIntervalMs(50).setHeartbeatMs(5000).setCredit(1).build());
      for (int read = 1; read <= 3; read++) {
        int expected = read;
        await().atMost(Duration.ofSeconds(5)).until(() -> client.received.size() == expected);
        if (read < 3) {
          client.grant(1);
        }
      }
      ConnectionStreamPublisher publisher = service.openStreams().iterator().next();
      long takenAtPause = publisher.takenSamples();

      // The consumer reads nothing and grants nothing: the agent sends nothing, holds one sample.
      await().during(PAUSE).atMost(PAUSE.plusSeconds(2)).until(() ->
          client.received.size() == 3 && publisher.maxBufferedSamples() <= 1);
      assertThat(publisher.takenSamples() - takenAtPause).as("samples taken during the pause")
          .isGreaterThanOrEqualTo(100);

      long newestBeforeGrant = publisher.takenSamples();
      long grantedAtMs = System.currentTimeMillis();
      client.grant(1);

      await().atMost(Duration.ofSeconds(5)).until(() -> client.received.size() == 4);
      ConnectionSample next = client.last();
      assertThat(next.getSequence()).as("the newest sample taken when credit arrived")
          .isGreaterThanOrEqualTo(newestBeforeGrant);
      await().during(Duration.ofMillis(500)).until(() -> client.received.size() == 4);
      System.out.printf("credit: sample %d arrived %d ms after the grant, taken %d ms before it%n",
          next.getSequence(), client.receivedAtMs.get(3) - grantedAtMs, grantedAtMs - next.getSampledAtUnixMs());
    } finally {
      service.closeStreams();
      roomy.shutdownNow();
      assertThat(roomy.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }
  }
}
