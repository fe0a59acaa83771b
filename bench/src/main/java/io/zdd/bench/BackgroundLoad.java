package io.zdd.bench;

import io.zdd.common.concurrent.NamedThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open-loop HTTP load through the agent's frontend at a fixed rate: one new connection per request
 * (Connection: close), no retries, so every refused, reset or non-200 request counts as a failure.
 */
final class BackgroundLoad implements AutoCloseable {
  private static final int TIMEOUT_MS = 5_000;
  private static final byte[] REQUEST =
      "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int KEPT_FAILURES = 5;

  private final int port;
  private final int requestsPerSecond;
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("bench-load-tick"));
  private final ExecutorService senders = Executors.newFixedThreadPool(8, new NamedThreadFactory("bench-load"));
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final Queue<Long> latencies = new ConcurrentLinkedQueue<>();
  private final Queue<String> firstFailures = new ConcurrentLinkedQueue<>();

  BackgroundLoad(int port, int requestsPerSecond) {
    if (requestsPerSecond <= 0) {
      throw new IllegalArgumentException("requestsPerSecond must be positive, got " + requestsPerSecond);
    }
    this.port = port;
    this.requestsPerSecond = requestsPerSecond;
  }

  void start() {
    long periodMicros = 1_000_000L / requestsPerSecond;
    var unused = ticker.scheduleAtFixedRate(() -> senders.execute(this::sendOne), 0, periodMicros, TimeUnit.MICROSECONDS);
  }

  /** One request; true when it got a 200. */
  static boolean get(int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
      s.setSoTimeout(TIMEOUT_MS);
      OutputStream out = s.getOutputStream();
      out.write(REQUEST);
      out.flush();
      InputStream in = s.getInputStream();
      String reply = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return reply.startsWith("HTTP/1.1 200") || reply.startsWith("HTTP/1.0 200");
    }
  }

  private void sendOne() {
    long t0 = System.nanoTime();
    try {
      if (get(port)) {
        ok.incrementAndGet();
        latencies.add(System.nanoTime() - t0);
      } else {
        fail("non-200 reply");
      }
    } catch (IOException e) {
      fail(e.toString());
    }
  }

  private void fail(String why) {
    failed.incrementAndGet();
    if (firstFailures.size() < KEPT_FAILURES) {
      firstFailures.add(why);
    }
  }

  long ok() {
    return ok.get();
  }

  long failed() {
    return failed.get();
  }

  LatencySummary latency() {
    return LatencySummary.ofNanos(latencies);
  }

  List<String> firstFailures() {
    return List.copyOf(firstFailures);
  }

  int requestsPerSecond() {
    return requestsPerSecond;
  }

  /** Stops sending and waits for requests in flight, so the counts are final. */
  @Override
  public void close() {
    ticker.shutdownNow();
    senders.shutdown();
    try {
      if (!senders.awaitTermination(TIMEOUT_MS * 2L, TimeUnit.MILLISECONDS)) {
        senders.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      senders.shutdownNow();
    }
  }
}
