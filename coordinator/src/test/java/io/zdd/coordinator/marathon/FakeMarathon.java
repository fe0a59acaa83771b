package io.zdd.coordinator.marathon;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on 127.0.0.1 that plays Marathon: each (method, path) answers from a script
 * of responders (the last one repeats), and every request is recorded with its method, path,
 * query, headers and body so tests can assert the wire format.
 */
final class FakeMarathon implements AutoCloseable {
  /** One request as it arrived. Header names are lower-case. */
  record Recorded(String method, String path, String query, Map<String, List<String>> headers, String body) {
    String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.get(0);
    }
  }

  @FunctionalInterface
  interface Responder {
    void respond(HttpExchange exchange, Recorded request) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Map<String, List<Responder>> scripts = new ConcurrentHashMap<>();
  private final Map<String, Integer> positions = new ConcurrentHashMap<>();
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);

  FakeMarathon() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Answers {@code method path} with the responders in turn; the last one repeats. */
  FakeMarathon on(String method, String path, Responder... sequence) {
    scripts.put(method + " " + path, List.of(sequence));
    positions.put(method + " " + path, 0);
    return this;
  }

  List<Recorded> requests() {
    return List.copyOf(requests);
  }

  List<Recorded> requests(String method, String path) {
    return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
  }

  static Responder json(int status, String body) {
    return (exchange, request) -> send(exchange, status, body);
  }

  /** Never answers (until the server closes): a Marathon that hangs. */
  Responder hang() {
    return (exchange, request) -> {
      try {
        closing.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    };
  }

  /** Blocks the calling handler until the server closes (bounded, so no thread outlives a test). */
  void awaitClose() {
    try {
      closing.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    Map<String, List<String>> headers = new TreeMap<>();
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), new ArrayList<>(v)));
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Recorded request = new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
        exchange.getRequestURI().getRawQuery(), headers, body);
    requests.add(request);
    String key = request.method() + " " + request.path();
    List<Responder> script = scripts.get(key);
    if (script == null) {
      send(exchange, 404, "{\"message\":\"no route for " + key + " in the fake\"}");
      return;
    }
    int position = positions.merge(key, 1, Integer::sum) - 1;
    script.get(Math.min(position, script.size() - 1)).respond(exchange, request);
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
