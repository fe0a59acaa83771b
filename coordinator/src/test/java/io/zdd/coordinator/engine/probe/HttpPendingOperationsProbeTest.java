package io.zdd.coordinator.engine.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real HTTP server on 127.0.0.1 (port 0). */
class HttpPendingOperationsProbeTest {
  private HttpServer server;
  private final AtomicReference<String> body = new AtomicReference<>("queued_jobs 0\n");
  private final AtomicReference<Integer> status = new AtomicReference<>(200);
  private final CountDownLatch release = new CountDownLatch(1);
  private final HttpPendingOperationsProbe probe = new HttpPendingOperationsProbe(Duration.ofSeconds(3));
  private final ExecutorService executor = Executors.newFixedThreadPool(2);

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/metrics", ex -> {
      byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status.get(), b.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    });
    server.createContext("/slow", ex -> {
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    // Headers at once, then a body that never ends: one byte every 100 ms.
    server.createContext("/trickle", ex -> {
      ex.sendResponseHeaders(200, 0);
      try (OutputStream out = ex.getResponseBody()) {
        out.write("queued_jobs 0\n# ".getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (!release.await(100, TimeUnit.MILLISECONDS)) {
          out.write('x');
          out.flush();
        }
      } catch (InterruptedException | IOException e) {
        // the client went away
      }
    });
    // A body larger than any metrics page: 1 MiB of comments, then the gauge; and one just within the bound.
    server.createContext("/huge", ex -> comments(ex, 1024));
    server.createContext("/within", ex -> comments(ex, 60));
    server.setExecutor(executor);
    server.start();
  }

  /** {@code kib} KiB of comment lines, then {@code queued_jobs 0}. */
  private static void comments(HttpExchange ex, int kib) throws IOException {
    ex.sendResponseHeaders(200, 0);
    byte[] line = ("# " + "y".repeat(1021) + "\n").getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = ex.getResponseBody()) {
      for (int i = 0; i < kib && !Thread.currentThread().isInterrupted(); i++) {
        out.write(line);
      }
      out.write("queued_jobs 0\n".getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // the client stopped reading
    }
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
  }

  private int port() {
    return server.getAddress().getPort();
  }

  @Test
  void gaugeAtZero_readsZero() {
    assertThat(probe.read("queued_jobs", "127.0.0.1", port(), "/metrics")).hasValue(0.0);
  }

  @Test
  void gaugeAboveZero_readsItsValue() {
    body.set("# TYPE queued_jobs gauge\nqueued_jobs{db=\"main\"} 12\n");
    assertThat(probe.read("queued_jobs", "127.0.0.1", port(), "/metrics")).hasValue(12.0);
  }

  @Test
  void non200OrMissingMetric_isUnknown() {
    status.set(503);
    assertThat(probe.read("queued_jobs", "127.0.0.1", port(), "/metrics")).isEmpty();
    status.set(200);
    assertThat(probe.read("other_metric", "127.0.0.1", port(), "/metrics")).isEmpty();
  }

  @Test
  void slowEndpoint_timesOutAsUnknown() {
    HttpPendingOperationsProbe impatient = new HttpPendingOperationsProbe(Duration.ofMillis(300));
    long t0 = System.nanoTime();
    assertThat(impatient.read("queued_jobs", "127.0.0.1", port(), "/slow")).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void aBodyThatNeverEnds_isCutAtTheDeadline_andAHugeOneIsNotRead() {
    HttpPendingOperationsProbe impatient = new HttpPendingOperationsProbe(Duration.ofMillis(500));
    long t0 = System.nanoTime();
    assertThat(impatient.read("queued_jobs", "127.0.0.1", port(), "/trickle")).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("bounded by the deadline, not by the body")
        .isLessThan(Duration.ofSeconds(5));
    assertThat(new HttpPendingOperationsProbe(Duration.ofSeconds(5)).read("queued_jobs", "127.0.0.1", port(), "/huge"))
        .as("more than " + HttpPendingOperationsProbe.MAX_BODY + " bytes is not a metrics page").isEmpty();
    assertThat(HttpPendingOperationsProbe.MAX_BODY).isEqualTo(64 << 10);
    assertThat(new HttpPendingOperationsProbe(Duration.ofSeconds(5)).read("queued_jobs", "127.0.0.1", port(), "/within"))
        .hasValue(0.0);
  }

  @Test
  void nothingListening_isUnknown() throws IOException {
    int free;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      free = s.getLocalPort();
    }
    assertThat(probe.read("queued_jobs", "127.0.0.1", free, "/metrics")).isEmpty();
  }
}
