package io.zdd.deploy.demoapp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.config.Durations;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The app zdd deploys in demos and end-to-end tests. Endpoints:
 *
 * <ul>
 *   <li>{@code GET /}: JSON with app id, version, colour, task id and port; answered after
 *       {@code --latency}, and with status 500 (the same JSON plus {@code "error": true}) for the
 *       share {@code --error-rate} of requests: request n fails when floor(n × rate) grows at n,
 *       so of any N requests in a row round-about N × rate fail, spread evenly (a bad version
 *       for canary analysis)
 *   <li>{@code GET /health}: 200, or 500 after {@code POST /health/fail} (until {@code POST /health/ok})
 *   <li>{@code GET /slow?ms=N}: answers after N ms
 *   <li>{@code GET /stream?seconds=N}: a chunked response, one line every 200 ms, until the client
 *       leaves or N seconds pass (drain tests)
 *   <li>{@code POST|GET /work}: accepts a simulated transaction that completes
 *       {@code ZDD_DEMO_PENDING_MS} after the reply
 *   <li>{@code GET /metrics}: Prometheus text, with gauge {@code zdd_demo_pending_operations} and
 *       counter {@code zdd_demo_http_responses_total{version,colour,code}} of the answers to {@code /}
 *   <li>{@code POST /metrics/delay?ms=N}: every later {@code GET /metrics} answers after N ms (0: at
 *       once), to make the pending-operations probe slow in fault tests
 * </ul>
 *
 * On SIGTERM it stops accepting connections, lets open requests and pending operations finish
 * (up to the drain timeout), then exits.
 */
@Command(name = "zdd-demo-app", mixinStandardHelpOptions = true, description = "zdd's demo application.")
public final class DemoApp implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(DemoApp.class);
  private static final long STREAM_TICK_MILLIS = 200;
  private static final long DRAIN_POLL_MILLIS = 50;

  @Option(names = "--port", defaultValue = "${env:PORT0:-8080}", description = "Port (default: $PORT0, else 8080).")
  int port;

  @Option(names = "--host", defaultValue = "${env:ZDD_DEMO_BIND:-127.0.0.1}", description = "Bind address.")
  String host;

  @Option(names = "--app-version", defaultValue = "${env:ZDD_DEMO_VERSION:-v1}", description = "Version it reports.")
  String version;

  @Option(names = "--colour", defaultValue = "${env:ZDD_DEMO_COLOUR:-}", description = "Colour it reports (default: "
      + "$ZDD_DEMO_COLOUR, else the HAPROXY_DEPLOYMENT_COLOUR label Marathon passes as MARATHON_APP_LABEL_"
      + "HAPROXY_DEPLOYMENT_COLOUR, else blue).")
  String colour;

  @Option(names = "--pending-ms", defaultValue = "${env:ZDD_DEMO_PENDING_MS:-2000}",
      description = "How long a /work operation stays pending after its reply.")
  long pendingMillis;

  @Option(names = "--drain-seconds", defaultValue = "${env:ZDD_DEMO_DRAIN_SECONDS:-30}",
      description = "On SIGTERM, the longest wait for open requests and pending work.")
  long drainSeconds;

  @Option(names = "--error-rate", defaultValue = "${env:ZDD_DEMO_ERROR_RATE:-0}",
      description = "Share of GET / answered with 500, 0..1, spread evenly (a bad version for canary analysis) "
          + "[ZDD_DEMO_ERROR_RATE] (default: ${DEFAULT-VALUE})")
  double errorRate;

  @Option(names = "--latency", defaultValue = "${env:ZDD_DEMO_LATENCY:-0}", converter = Durations.Converter.class,
      description = "Added before answering GET /, e.g. 50ms (a slow version) [ZDD_DEMO_LATENCY] (default: ${DEFAULT-VALUE})")
  Duration latency;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private HttpServer server;
  private ThreadPoolExecutor requests;
  private ScheduledExecutorService timers;
  private PendingOperations pending;
  private final AtomicBoolean healthy = new AtomicBoolean(true);
  private final AtomicBoolean draining = new AtomicBoolean(false);
  private final AtomicLong requestCount = new AtomicLong();
  /** Answers to GET /, for the error knob's choice and the responses counter. */
  private final AtomicLong rootRequests = new AtomicLong();
  private final AtomicLong rootErrors = new AtomicLong();
  private final AtomicLong activeStreams = new AtomicLong();
  private final AtomicLong openExchanges = new AtomicLong();
  private final AtomicLong metricsDelayMillis = new AtomicLong();
  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    System.exit(new CommandLine(new DemoApp()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (!(errorRate >= 0 && errorRate <= 1)) {
      spec.commandLine().getErr().println("zdd-demo-app: --error-rate must be between 0 and 1, got " + errorRate);
      return CommandLine.ExitCode.USAGE;
    }
    start();
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "demo-shutdown"));
    System.out.println("demo app " + version + " (" + colour + ") listening on http://" + host + ":" + port());
    System.out.flush();
    stopped.await();
    return 0;
  }

  /** Binds and serves (the port is {@link #port()} when 0 was asked for). */
  void start() throws IOException {
    if (colour == null || colour.isBlank()) {
      String label = System.getenv("MARATHON_APP_LABEL_HAPROXY_DEPLOYMENT_COLOUR");
      colour = label == null || label.isBlank() ? "blue" : label;
    }
    requests = new ThreadPoolExecutor(2, 64, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        new NamedThreadFactory("demo-http"));
    timers = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("demo-work"));
    pending = new PendingOperations(timers, Duration.ofMillis(pendingMillis));
    server = HttpServer.create(new InetSocketAddress(host, port), 128);
    server.setExecutor(requests);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Stop accepting, let open requests and accepted work finish (bounded), then release everything. */
  void stop() {
    if (!draining.compareAndSet(false, true)) {
      return;
    }
    log.info("draining: {} open request(s), {} pending operation(s)", openExchanges.get(), pending.pending());
    pending.stopAccepting();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
    // HttpServer.stop closes the listener at once, then waits for open exchanges, but on Java 17
    // it always waits the whole delay (JDK-8304065); so it runs aside while we watch the counts.
    Thread closer = new Thread(() -> server.stop((int) drainSeconds), "demo-close-listener");
    closer.setDaemon(true);
    closer.start();
    try {
      while ((openExchanges.get() > 0 || pending.pending() > 0) && System.nanoTime() < deadline) {
        Thread.sleep(DRAIN_POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (openExchanges.get() > 0 || pending.pending() > 0) {
      log.warn("drain deadline reached with {} open request(s), {} pending operation(s)",
          openExchanges.get(), pending.pending());
    }
    timers.shutdownNow();
    requests.shutdownNow();
    log.info("stopped; {} operation(s) completed", pending.completed());
    stopped.countDown();
  }

  private void handle(HttpExchange exchange) {
    requestCount.incrementAndGet();
    openExchanges.incrementAndGet();
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      switch (path) {
        case "/" -> root(exchange);
        case "/health" -> send(exchange, healthy.get() ? 200 : 500, healthy.get() ? "ok\n" : "failing\n", "text/plain");
        case "/health/fail", "/health/ok" -> {
          if (!method.equals("POST")) {
            send(exchange, 405, "use POST\n", "text/plain");
          } else {
            healthy.set(path.equals("/health/ok"));
            send(exchange, 200, (healthy.get() ? "healthy" : "failing") + "\n", "text/plain");
          }
        }
        case "/slow" -> {
          long ms = parseLong(query.get("ms"), 1000);
          Thread.sleep(ms);
          send(exchange, 200, "slept " + ms + " ms\n", "text/plain");
        }
        case "/stream" -> stream(exchange, parseLong(query.get("seconds"), 0));
        case "/work" -> {
          if (pending.accept()) {
            send(exchange, 200, "accepted\n", "text/plain");
          } else {
            send(exchange, 503, "draining\n", "text/plain");
          }
        }
        case "/metrics" -> {
          Thread.sleep(metricsDelayMillis.get());
          send(exchange, 200, metrics(), "text/plain; version=0.0.4");
        }
        case "/metrics/delay" -> {
          if (!method.equals("POST")) {
            send(exchange, 405, "use POST\n", "text/plain");
          } else {
            metricsDelayMillis.set(Math.max(0, parseLong(query.get("ms"), 0)));
            send(exchange, 200, "metrics delay " + metricsDelayMillis.get() + " ms\n", "text/plain");
          }
        }
        default -> send(exchange, 404, "not found\n", "text/plain");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.debug("client went away: {}", e.toString());
    } finally {
      openExchanges.decrementAndGet();
    }
  }

  private void root(HttpExchange exchange) throws IOException, InterruptedException {
    if (latency != null && !latency.isZero()) {
      Thread.sleep(latency.toMillis());
    }
    long n = rootRequests.incrementAndGet();
    if (fails(n, errorRate)) {
      rootErrors.incrementAndGet();
      Map<String, Object> body = identity();
      body.put("error", true);
      sendJson(exchange, 500, body);
    } else {
      sendJson(exchange, 200, identity());
    }
  }

  /** Request {@code n} (from 1) fails when floor(n × rate) grows at n: evenly spread, exact over any run. */
  static boolean fails(long n, double rate) {
    return Math.floor(n * rate) > Math.floor((n - 1) * rate);
  }

  private void stream(HttpExchange exchange, long seconds) throws IOException, InterruptedException {
    exchange.getResponseHeaders().set("Content-Type", "text/plain");
    exchange.sendResponseHeaders(200, 0);
    activeStreams.incrementAndGet();
    long end = seconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
    try (OutputStream out = exchange.getResponseBody()) {
      for (long i = 0; System.nanoTime() < end; i++) {
        out.write((version + " " + colour + " " + i + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush(); // fails once the client has gone
        Thread.sleep(STREAM_TICK_MILLIS);
      }
    } finally {
      activeStreams.decrementAndGet();
    }
  }

  private Map<String, Object> identity() {
    Map<String, Object> id = new LinkedHashMap<>();
    id.put("app", System.getenv().getOrDefault("MARATHON_APP_ID", ""));
    id.put("version", version);
    id.put("colour", colour);
    id.put("task", System.getenv().getOrDefault("MESOS_TASK_ID", ""));
    id.put("port", port());
    return id;
  }

  String metrics() {
    String labels = "{version=\"" + escape(version) + "\",colour=\"" + escape(colour) + "\"}";
    String codeLabels = labels.substring(0, labels.length() - 1) + ",code=";
    return "# HELP zdd_demo_pending_operations Operations accepted but not finished.\n"
        + "# TYPE zdd_demo_pending_operations gauge\n"
        + "zdd_demo_pending_operations " + pending.pending() + "\n"
        + "# HELP zdd_demo_active_streams Open /stream responses.\n"
        + "# TYPE zdd_demo_active_streams gauge\n"
        + "zdd_demo_active_streams " + activeStreams.get() + "\n"
        + "# HELP zdd_demo_requests_total HTTP requests received.\n"
        + "# TYPE zdd_demo_requests_total counter\n"
        + "zdd_demo_requests_total " + requestCount.get() + "\n"
        + "# HELP zdd_demo_http_responses_total Answers to GET /, by status code.\n"
        + "# TYPE zdd_demo_http_responses_total counter\n"
        + "zdd_demo_http_responses_total" + codeLabels + "\"200\"} " + (rootRequests.get() - rootErrors.get()) + "\n"
        + "zdd_demo_http_responses_total" + codeLabels + "\"500\"} " + rootErrors.get() + "\n"
        + "# HELP zdd_demo_info Version and colour of this instance.\n"
        + "# TYPE zdd_demo_info gauge\n"
        + "zdd_demo_info" + labels + " 1\n";
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static void sendJson(HttpExchange exchange, int status, Map<String, Object> body) throws IOException {
    StringBuilder json = new StringBuilder("{");
    body.forEach((k, v) -> {
      if (json.length() > 1) {
        json.append(',');
      }
      json.append('"').append(k).append("\":");
      json.append(v instanceof Number || v instanceof Boolean ? v.toString() : "\"" + escape(String.valueOf(v)) + "\"");
    });
    send(exchange, status, json.append("}\n").toString(), "application/json");
  }

  private static void send(HttpExchange exchange, int status, String body, String type) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static long parseLong(String value, long dflt) {
    if (value == null || value.isBlank()) {
      return dflt;
    }
    try {
      return Math.max(0, Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new LinkedHashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          query.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
      }
    }
    return query;
  }
}
