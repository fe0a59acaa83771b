package io.zdd.agent.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.zdd.agent.core.ConnectionSampler;
import io.zdd.common.grpc.ProtoMapper;
import io.zdd.common.grpc.StatusMapper;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerConnections;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WatchConnections stream. Takes the agent's shared reading of HAProxy when at least
 * {@code interval} passed since the last one it took ({@link SharedConnectionSampling}: one
 * reading however many streams watch, at the fast pace only while it matters), keeps its own
 * groups, and sends a sample only when the counts changed, or when {@code heartbeat} passed since
 * the last send (then marked {@code heartbeat}).
 *
 * <p>Flow control: a sample is handed to gRPC only while the stream {@code isReady()} and, when
 * the consumer asked for credit, while it has credit left. Otherwise the publisher keeps exactly
 * one sample, the newest (a newer one replaces it), and sends it from the on-ready handler or
 * when credit arrives. A slow consumer therefore costs one sample of memory, never a backlog, and
 * receives the newest state when it catches up; the sequence numbers show the gap. HTTP/2 flow
 * control alone cannot promise freshness: samples the transport accepted may wait in the
 * consumer's own buffers. Credit can: with one sample in flight the next one is at most one
 * reading pace old when it leaves.
 *
 * <p>Every {@code onNext}/{@code onError}/{@code onCompleted} happens under one monitor behind a
 * closed flag, so the sampling thread and gRPC's callback thread never send concurrently.
 */
public final class ConnectionStreamPublisher {
  private static final Logger log = LoggerFactory.getLogger(ConnectionStreamPublisher.class);
  private static final AtomicLong STREAM_IDS = new AtomicLong();
  /** Outstanding credit saturates here: a consumer cannot make the agent hold a huge allowance. */
  static final int MAX_CREDIT = 1000;

  private final String streamId = "watch-" + STREAM_IDS.incrementAndGet();
  private final AgentId agent;
  private final SharedConnectionSampling sampling;
  private final Set<GroupName> groups;
  private final Duration interval;
  private final Duration heartbeat;
  private final ServerCallStreamObserver<io.zdd.proto.v1.ConnectionSample> out;
  private final Runnable onClosed;
  /** False for a watch opened without credit: only HTTP/2 readiness limits sending. */
  private final boolean creditLimited;

  private final Object lock = new Object();
  // Guarded by lock:
  private boolean closed;
  private ConnectionSample pending;
  private ConnectionSample lastSent;
  private Instant lastSentAt;
  private long sequence;
  private int credit;
  /** Samples accepted for sending and not yet handed to gRPC (kept apart from pending to check the bound). */
  private int buffered;
  private int maxBuffered;
  private long sent;
  private long coalesced;
  private boolean samplerFailing;
  /** The number of the last shared reading taken: an older one handed over late is ignored. */
  private long lastReading;
  private Runnable leaveFeed;

  ConnectionStreamPublisher(AgentId agent, SharedConnectionSampling sampling, Set<GroupName> groups,
      Duration interval, Duration heartbeat,
      int initialCredit, ServerCallStreamObserver<io.zdd.proto.v1.ConnectionSample> out, Runnable onClosed) {
    this.agent = agent;
    this.sampling = sampling;
    this.groups = Set.copyOf(groups);
    this.interval = interval;
    this.heartbeat = heartbeat;
    this.out = out;
    this.onClosed = onClosed;
    this.creditLimited = initialCredit > 0;
    this.credit = Math.min(initialCredit, MAX_CREDIT);
  }

  String id() {
    return streamId;
  }

  /** Starts taking readings: the first right away, then at the shared reading's pace. */
  void start() {
    Runnable leave = sampling.subscribe(interval, new SharedConnectionSampling.Subscriber() {
      @Override
      public void reading(SharedConnectionSampling.Reading r) {
        take(r);
      }

      @Override
      public void failed(RuntimeException e) {
        samplingFailed(e);
      }
    });
    synchronized (lock) {
      if (closed) {
        leave.run();
        return;
      }
      leaveFeed = leave;
    }
    log.info("[{}] watching connections of {} every {} ms (heartbeat {} ms, {})", streamId,
        groups.isEmpty() ? "every group" : groups, interval.toMillis(), heartbeat.toMillis(),
        creditLimited ? "initial credit " + credit : "no credit");
  }

  /** HAProxy may be reloading or down for a moment: keep the stream, say so once. */
  private void samplingFailed(RuntimeException e) {
    synchronized (lock) {
      if (!samplerFailing && !closed) {
        log.warn("[{}] sampling failed, will keep trying: {}", streamId, e.toString());
      }
      samplerFailing = true;
    }
  }

  /** Takes this stream's groups out of one shared reading and sends or keeps the sample. */
  private void take(SharedConnectionSampling.Reading reading) {
    List<ServerConnections> servers = groups.isEmpty() ? reading.counts().servers()
        : reading.counts().servers().stream().filter(s -> groups.contains(s.group())).toList();
    ConnectionSampler.Counts counts = new ConnectionSampler.Counts(servers, reading.counts().workers());
    synchronized (lock) {
      if (closed || reading.number() <= lastReading) {
        return;
      }
      lastReading = reading.number();
      if (samplerFailing) {
        log.info("[{}] sampling works again", streamId);
        samplerFailing = false;
      }
      Instant now = reading.at();
      long seq = ++sequence;
      boolean unchanged = lastSent != null && lastSent.sameCountsAs(
          new ConnectionSample(agent, seq, now, false, counts.servers(), counts.workers()));
      boolean heartbeatDue = lastSentAt == null || !now.isBefore(lastSentAt.plus(heartbeat));
      // With a sample already waiting, the newer one always replaces it (the consumer gets the
      // newest state); otherwise only a change or a due heartbeat is worth sending.
      if (pending == null && unchanged && !heartbeatDue) {
        return;
      }
      ConnectionSample sample = new ConnectionSample(agent, seq, now, unchanged, counts.servers(), counts.workers());
      if (pending != null) {
        coalesced++;
        buffered--;
      }
      pending = sample;
      buffered++;
      maxBuffered = Math.max(maxBuffered, buffered);
      drain();
    }
  }

  /** gRPC's on-ready callback: the transport can take more. */
  void onReady() {
    synchronized (lock) {
      drain();
    }
  }

  /**
   * Adds credit from a later request message and sends the held sample if there is one. Ignored
   * on a watch opened without credit.
   */
  void grant(int samples) {
    synchronized (lock) {
      if (!creditLimited || closed) {
        return;
      }
      credit = (int) Math.min(MAX_CREDIT, (long) credit + samples);
      drain();
    }
  }

  /** Sends the pending sample if the stream and the consumer's credit allow it. Caller holds the lock. */
  private void drain() {
    if (closed || pending == null || !out.isReady() || (creditLimited && credit == 0)) {
      return;
    }
    ConnectionSample s = pending;
    pending = null;
    buffered--;
    try {
      out.onNext(ProtoMapper.toProto(s));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.CANCELLED) {
        log.debug("[{}] peer left while sending", streamId);
      } else {
        log.warn("[{}] send failed: {}", streamId, e.getStatus());
      }
      closeLocked();
      return;
    }
    lastSent = s;
    lastSentAt = s.sampledAt();
    sent++;
    if (creditLimited) {
      credit--;
    }
    if (log.isDebugEnabled()) {
      log.debug("[{}] sent sample {} (heartbeat={})", streamId, s.sequence(), s.heartbeat());
    }
  }

  /** gRPC's on-cancel callback: the consumer left. */
  void cancelled() {
    log.info("[{}] client cancelled the stream", streamId);
    synchronized (lock) {
      closeLocked();
    }
  }

  /** Ends the stream from the agent's side (shutdown): completes it with UNAVAILABLE. */
  void close(String reason) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      try {
        out.onError(Status.UNAVAILABLE.withDescription(reason).asRuntimeException());
      } catch (RuntimeException e) {
        log.debug("[{}] stream already gone: {}", streamId, e.toString());
      }
      closeLocked();
    }
  }

  /** Ends the stream with an error mapped by StatusMapper. */
  void fail(Throwable t) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      try {
        out.onError(StatusMapper.toStatusException(t));
      } catch (RuntimeException e) {
        log.debug("[{}] stream already gone: {}", streamId, e.toString());
      }
      closeLocked();
    }
  }

  private void closeLocked() {
    if (closed) {
      return;
    }
    closed = true;
    pending = null;
    buffered = 0;
    if (leaveFeed != null) {
      leaveFeed.run();
    }
    onClosed.run();
    log.info("[{}] stream closed after {} samples sent ({} coalesced)", streamId, sent, coalesced);
  }

  // ---- test-visible counters ----

  /** Samples held unsent right now. */
  int bufferedSamples() {
    synchronized (lock) {
      return buffered;
    }
  }

  /** The most samples ever held unsent at once (the memory bound: must stay at 1). */
  int maxBufferedSamples() {
    synchronized (lock) {
      return maxBuffered;
    }
  }

  long sentSamples() {
    synchronized (lock) {
      return sent;
    }
  }

  long takenSamples() {
    synchronized (lock) {
      return sequence;
    }
  }

  long coalescedSamples() {
    synchronized (lock) {
      return coalesced;
    }
  }

  boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }
}
