package io.zdd.deploy.cluster;

import io.zdd.common.concurrent.NamedThreadFactory;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends HTTP/1.1 requests through the load balancers without pause and counts every outcome. It
 * is a plain-socket client on purpose: it never retries, so a reset, a refused connection, an
 * early EOF or a non-2xx answer is counted as a failure instead of being hidden. Keep-alive
 * connections, reopened after any failure. Paced to a fixed total rate so it leaves CPU for the
 * system under test; bounded by {@link #stop()} or the max duration.
 */
public final class LoadGenerator implements AutoCloseable {
  private static final Pattern COLOUR = Pattern.compile("\"colour\"\\s*:\\s*\"([a-z]+)\"");
  private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"");
  private static final int MAX_SECONDS = 3600;
  private static final int MAX_FAILURE_SAMPLES = 50;

  /** One LB frontend. */
  public record Target(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /** What a failure counts against when no app answered it (connection errors, timeouts, HAProxy's own 5xx). */
  public static final String UNATTRIBUTED = "unattributed";

  /**
   * Totals so far.
   *
   * @param byVersion successful requests by "version/colour" of the app instance that answered
   * @param failedByVersion failed requests by "version/colour" of the app instance that answered
   *     (an app's own non-2xx carries its identity), or {@link #UNATTRIBUTED}
   */
  public record Stats(long ok, long failed, double seconds, Map<String, Long> byVersion, List<String> failureSamples,
      Map<String, Long> failedByVersion) {
    public long requests() {
      return ok + failed;
    }

    public double ratePerSecond() {
      return seconds <= 0 ? 0 : requests() / seconds;
    }
  }

  private final List<Target> targets;
  private final int connectionsPerTarget;
  private final double totalRate;
  private final String path;
  private final ExecutorService workers;
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLongArray okPerSecond = new AtomicLongArray(MAX_SECONDS);
  private final AtomicLongArray failedPerSecond = new AtomicLongArray(MAX_SECONDS);
  private final Map<String, AtomicLong> byVersion = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> failedByVersion = new ConcurrentHashMap<>();
  private final Map<String, AtomicLongArray> versionPerSecond = new ConcurrentHashMap<>();
  private final List<String> failureSamples = Collections.synchronizedList(new ArrayList<>());
  /** Told of every failed request, from the worker that saw it (must not block). */
  public interface FailureListener {
    void failed(Target target, String failure);
  }

  private volatile FailureListener failureListener = (t, f) -> {};
  private volatile boolean running;
  private volatile long startNanos;
  private volatile long stopNanos;

  /** @param totalRate requests per second over all targets together */
  public LoadGenerator(List<Target> targets, int connectionsPerTarget, double totalRate, String path) {
    this.targets = List.copyOf(targets);
    this.connectionsPerTarget = connectionsPerTarget;
    this.totalRate = totalRate;
    this.path = path;
    this.workers = Executors.newFixedThreadPool(targets.size() * connectionsPerTarget, new NamedThreadFactory("load"));
  }

  /** Sets who is told of each failure as it happens (before {@link #start()}). */
  public LoadGenerator onFailure(FailureListener listener) {
    this.failureListener = listener;
    return this;
  }

  public void start() {
    running = true;
    startNanos = System.nanoTime();
    double perWorker = totalRate / (targets.size() * connectionsPerTarget);
    long intervalNanos = (long) (1_000_000_000L / perWorker);
    for (Target t : targets) {
      for (int i = 0; i < connectionsPerTarget; i++) {
        long offset = (long) (Math.random() * intervalNanos);
        workers.execute(() -> run(t, intervalNanos, offset));
      }
    }
  }

  private void run(Target t, long intervalNanos, long offset) {
    long next = System.nanoTime() + offset;
    Socket socket = null;
    InputStream in = null;
    OutputStream out = null;
    byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + t + "\r\nUser-Agent: zdd-load\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    while (running) {
      long now = System.nanoTime();
      if (now < next) {
        try {
          TimeUnit.NANOSECONDS.sleep(next - now);
        } catch (InterruptedException e) {
          break;
        }
      }
      next += intervalNanos;
      if (System.nanoTime() - next > 1_000_000_000L) {
        next = System.nanoTime(); // fell far behind (GC, busy machine): do not burst to catch up
      }
      if (!running) {
        break;
      }
      try {
        if (socket == null) {
          socket = new Socket();
          socket.setTcpNoDelay(true);
          socket.setSoTimeout(5000);
          socket.connect(new InetSocketAddress(t.host(), t.port()), 2000);
          in = new BufferedInputStream(socket.getInputStream(), 8192);
          out = socket.getOutputStream();
        }
        out.write(request);
        out.flush();
        Response r = readResponse(in);
        if (r.status >= 200 && r.status < 300) {
          record(true, r.body, null, t);
        } else {
          record(false, r.body, "HTTP " + r.status, t);
        }
        if (r.close) {
          socket.close();
          socket = null;
        }
      } catch (IOException e) {
        record(false, "", e.getClass().getSimpleName() + ": " + e.getMessage(), t);
        closeQuietly(socket);
        socket = null;
      }
    }
    closeQuietly(socket);
  }

  private void record(boolean success, String body, String failure, Target t) {
    int second = (int) Math.min(MAX_SECONDS - 1, (System.nanoTime() - startNanos) / 1_000_000_000L);
    if (success) {
      ok.incrementAndGet();
      okPerSecond.incrementAndGet(second);
      String key = answeredBy(body).orElse("?/?");
      byVersion.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
      versionPerSecond.computeIfAbsent(key, k -> new AtomicLongArray(MAX_SECONDS)).incrementAndGet(second);
    } else {
      failed.incrementAndGet();
      failedByVersion.computeIfAbsent(answeredBy(body).orElse(UNATTRIBUTED), k -> new AtomicLong()).incrementAndGet();
      failedPerSecond.incrementAndGet(second);
      failureListener.failed(t, failure);
      if (failureSamples.size() < MAX_FAILURE_SAMPLES) {
        failureSamples.add(String.format("t=%ds %s %s", second, t, failure));
      }
    }
  }

  /** "version/colour" of the app instance whose body this is; empty for a body that is not one. */
  private static Optional<String> answeredBy(String body) {
    Matcher v = VERSION.matcher(body);
    if (!v.find()) {
      return Optional.empty();
    }
    Matcher c = COLOUR.matcher(body);
    return Optional.of(v.group(1) + "/" + (c.find() ? c.group(1) : "?"));
  }

  private record Response(int status, String body, boolean close) {}

  private static Response readResponse(InputStream in) throws IOException {
    String statusLine = readLine(in);
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("bad status line '" + statusLine + "'");
    }
    int status = Integer.parseInt(parts[1]);
    long length = -1;
    boolean chunked = false;
    boolean close = parts[0].equals("HTTP/1.0");
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> close = value.equalsIgnoreCase("close");
        default -> { }
      }
    }
    if (line == null) {
      throw new IOException("connection closed inside the headers");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (chunked) {
      while (true) {
        String size = readLine(in);
        if (size == null) {
          throw new IOException("connection closed inside a chunked body");
        }
        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
        if (n == 0) {
          readLine(in);
          break;
        }
        body.write(in.readNBytes(n));
        readLine(in);
      }
    } else if (length >= 0) {
      byte[] b = in.readNBytes((int) length);
      if (b.length < length) {
        throw new IOException("connection closed inside the body");
      }
      body.write(b);
    } else {
      body.write(in.readAllBytes());
      close = true;
    }
    return new Response(status, body.toString(StandardCharsets.UTF_8), close);
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') {
          sb.setLength(len - 1);
        }
        return sb.toString();
      }
      sb.append((char) c);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  private static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already broken
      }
    }
  }

  public Stats stats() {
    long end = running ? System.nanoTime() : stopNanos;
    Map<String, Long> versions = new TreeMap<>();
    byVersion.forEach((k, v) -> versions.put(k, v.get()));
    Map<String, Long> failedVersions = new TreeMap<>();
    failedByVersion.forEach((k, v) -> failedVersions.put(k, v.get()));
    return new Stats(ok.get(), failed.get(), (end - startNanos) / 1e9, versions, List.copyOf(failureSamples), failedVersions);
  }

  /** Successful and failed requests in each whole second since the start. */
  public List<long[]> perSecond() {
    int seconds = (int) Math.min(MAX_SECONDS, Math.ceil(((running ? System.nanoTime() : stopNanos) - startNanos) / 1e9));
    List<long[]> out = new ArrayList<>();
    for (int s = 0; s < seconds; s++) {
      out.add(new long[] {okPerSecond.get(s), failedPerSecond.get(s)});
    }
    return out;
  }

  /** Successful requests per second answered by each version/colour. */
  public Map<String, long[]> perSecondByVersion() {
    int seconds = perSecond().size();
    Map<String, long[]> out = new TreeMap<>();
    versionPerSecond.forEach((k, arr) -> {
      long[] a = new long[seconds];
      for (int s = 0; s < seconds; s++) {
        a[s] = arr.get(s);
      }
      out.put(k, a);
    });
    return out;
  }

  /** Stops sending and waits for in-flight requests to end. Idempotent. */
  public Stats stop() {
    if (running) {
      running = false;
      stopNanos = System.nanoTime();
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    return stats();
  }

  @Override
  public void close() {
    stop();
  }

  /** True when one plain GET through every target answers 200 (the LBs serve the group). */
  public static boolean everyTargetAnswers(List<Target> targets) {
    for (Target t : targets) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(t.host(), t.port()), 500);
        s.setSoTimeout(2000);
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (!new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200")) {
          return false;
        }
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  public static Duration elapsed(Stats s) {
    return Duration.ofMillis((long) (s.seconds() * 1000));
  }
}
