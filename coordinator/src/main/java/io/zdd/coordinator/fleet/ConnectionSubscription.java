package io.zdd.coordinator.fleet;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.zdd.common.concurrent.Backoff;
import io.zdd.common.grpc.ProtoMapper;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ConnectionSample;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.WatchConnectionsRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@code WatchConnections} stream open to one agent: reconnects after any end with
 * backoff, resets the backoff only once a message has arrived (a stream that closes before its
 * first message counts as a failure), and remembers the newest sample. One sample in flight: the
 * watch opens with credit 1 and grants one more after each sample has been handed on, so a
 * listener that falls behind gets the agent's newest sample next, never a queue of old ones.
 * Thread-safe.
 */
public final class ConnectionSubscription implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConnectionSubscription.class);
  private static final WatchConnectionsRequest GRANT_ONE = WatchConnectionsRequest.newBuilder().setCredit(1).build();

  private final AgentId agent;
  private final LbAgentGrpc.LbAgentStub stub;
  private final WatchConnectionsRequest request;
  private final ScheduledExecutorService scheduler;
  private final Backoff backoff;
  private final Clock clock;
  private final Consumer<ConnectionSample> listener;

  private ClientCallStreamObserver<WatchConnectionsRequest> call;
  private boolean closed;
  private boolean connected;
  private ConnectionSample latest;
  private Instant latestAt;
  private long streamsOpened;

  public ConnectionSubscription(AgentId agent, Channel channel, WatchConnectionsRequest request,
      ScheduledExecutorService scheduler, Backoff backoff, Clock clock, Consumer<ConnectionSample> listener) {
    this.agent = agent;
    this.stub = LbAgentGrpc.newStub(channel);
    this.request = request.toBuilder().setCredit(1).build();
    this.scheduler = scheduler;
    this.backoff = backoff;
    this.clock = clock;
    this.listener = listener;
  }

  public synchronized void start() {
    if (closed || call != null) {
      return;
    }
    open();
  }

  private synchronized void open() {
    if (closed) {
      return;
    }
    streamsOpened++;
    stub.watchConnections(new Observer()).onNext(request);
  }

  /** True while a stream is open and has delivered at least one sample. */
  public synchronized boolean connected() {
    return connected;
  }

  public synchronized Optional<ConnectionSample> latest() {
    return Optional.ofNullable(latest);
  }

  /** When the newest sample was received (coordinator clock), if any. */
  public synchronized Optional<Instant> latestReceivedAt() {
    return Optional.ofNullable(latestAt);
  }

  /** Streams opened so far (1 + reconnects). */
  public synchronized long streamsOpened() {
    return streamsOpened;
  }

  @Override
  public void close() {
    ClientCallStreamObserver<WatchConnectionsRequest> c;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      connected = false;
      c = call;
    }
    if (c != null) {
      c.cancel("subscription closed", null);
    }
  }

  private final class Observer implements ClientResponseObserver<WatchConnectionsRequest, io.zdd.proto.v1.ConnectionSample> {
    private boolean gotMessage;

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchConnectionsRequest> requestStream) {
      synchronized (ConnectionSubscription.this) {
        call = requestStream;
      }
    }

    @Override
    public void onNext(io.zdd.proto.v1.ConnectionSample value) {
      ConnectionSample sample;
      try {
        sample = ProtoMapper.sample(value);
      } catch (RuntimeException e) {
        log.warn("[agent={}] dropping malformed connection sample: {}", agent, e.getMessage());
        return;
      }
      synchronized (ConnectionSubscription.this) {
        if (!gotMessage) {
          gotMessage = true;
          backoff.reset();
          if (!connected) {
            log.info("[agent={}] connection stream open", agent);
          }
        }
        connected = true;
        latest = sample;
        latestAt = clock.instant();
      }
      try {
        listener.accept(sample);
      } finally {
        grantOne();
      }
    }

    /** One more sample may come; gRPC calls this observer one callback at a time. */
    private void grantOne() {
      ClientCallStreamObserver<WatchConnectionsRequest> c;
      synchronized (ConnectionSubscription.this) {
        c = call;
      }
      if (c == null) {
        return;
      }
      try {
        c.onNext(GRANT_ONE);
      } catch (RuntimeException e) {
        // close() cancelled the call between the read above and the send: nothing to grant to.
        log.debug("[agent={}] credit not sent: {}", agent, e.toString());
      }
    }

    @Override
    public void onError(Throwable t) {
      ended(Status.fromThrowable(t).toString());
    }

    @Override
    public void onCompleted() {
      ended("completed by the agent");
    }

    private void ended(String why) {
      Duration delay;
      synchronized (ConnectionSubscription.this) {
        connected = false;
        call = null;
        if (closed) {
          return;
        }
        delay = backoff.nextDelay();
      }
      log.info("[agent={}] connection stream ended ({}); reconnecting in {} ms", agent, why, delay.toMillis());
      var unused = scheduler.schedule(ConnectionSubscription.this::open, delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
