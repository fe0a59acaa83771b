package io.zdd.deploy.marathon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zdd.common.concurrent.NamedThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marathon's REST API ({@code /v2/apps}, {@code /v2/tasks}, {@code /v2/deployments},
 * {@code /v2/events}, {@code /v2/info}, {@code /ping}) in front of a {@link LocalMarathon}, on the
 * JDK's HTTP server. Each event-stream client holds one thread while it is connected.
 */
public final class MarathonHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MarathonHttpServer.class);
  private static final int MAX_THREADS = 64;
  private static final long KEEP_ALIVE_MILLIS = 5_000;
  private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  private final LocalMarathon marathon;
  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private volatile boolean stopping;

  private MarathonHttpServer(LocalMarathon marathon, HttpServer server, ThreadPoolExecutor executor) {
    this.marathon = marathon;
    this.server = server;
    this.executor = executor;
  }

  /** Binds {@code host:port} (port 0: any free port) and starts serving. */
  public static MarathonHttpServer start(LocalMarathon marathon, String host, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
    ThreadPoolExecutor executor = new ThreadPoolExecutor(
        1, MAX_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), new NamedThreadFactory("marathon-http"));
    MarathonHttpServer http = new MarathonHttpServer(marathon, server, executor);
    server.createContext("/", http::handle);
    server.setExecutor(executor);
    server.start();
    return http;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    String host = server.getAddress().getAddress().getHostAddress();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  @Override
  public void close() {
    stopping = true;
    marathon.events().closeAll();
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) {
    // Not try-with-resources: the exchange must still be open when the error reply is sent.
    try {
      route(exchange);
    } catch (MarathonApiException e) {
      send(exchange, e.status(), e.body());
    } catch (RuntimeException e) {
      log.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      send(exchange, 500, MarathonJson.object().put("message", "internal error: " + e.getMessage()));
    } catch (IOException e) {
      log.debug("client went away: {}", e.toString());
    } finally {
      exchange.close();
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getRawPath();
    Map<String, List<String>> query = query(exchange.getRequestURI().getRawQuery());
    String clientIp = exchange.getRemoteAddress().getAddress().getHostAddress();
    String uri = exchange.getRequestURI().getPath();

    if (path.equals("/ping")) {
      requireMethod(method, "GET", "HEAD");
      sendText(exchange, 200, "pong\n");
    } else if (path.equals("/v2/info")) {
      requireMethod(method, "GET");
      String host = server.getAddress().getAddress().getHostAddress();
      send(exchange, 200, marathon.info(host + ":" + port(), port()));
    } else if (path.equals("/v2/apps") || path.equals("/v2/apps/")) {
      if (method.equals("GET")) {
        send(exchange, 200, marathon.listApps(listEmbeds(query), appFilter(query)));
      } else {
        requireMethod(method, "POST");
        ObjectNode app = marathon.createApp(readJson(exchange), clientIp, uri);
        exchange.getResponseHeaders().set("Location", "/v2/apps" + app.get("id").asText());
        send(exchange, 201, app);
      }
    } else if (path.startsWith("/v2/apps/")) {
      String id = URLDecoder.decode(path.substring("/v2/apps".length()), StandardCharsets.UTF_8);
      if (method.equals("GET") && id.endsWith("/tasks")) {
        send(exchange, 200, marathon.getAppTasks(id.substring(0, id.length() - "/tasks".length())));
      } else if (method.equals("GET")) {
        send(exchange, 200, marathon.getApp(id, appEmbeds()));
      } else if (method.equals("PUT")) {
        LocalMarathon.UpdateResult result = marathon.updateApp(id, readJson(exchange), flag(query, "force"), clientIp, uri);
        send(exchange, result.created() ? 201 : 200, result.body());
      } else {
        requireMethod(method, "DELETE");
        send(exchange, 200, marathon.deleteApp(id, flag(query, "force"), clientIp, uri));
      }
    } else if (path.equals("/v2/tasks")) {
      requireMethod(method, "GET");
      send(exchange, 200, marathon.listTasks(new LinkedHashSet<>(splitAll(query.get("status")))));
    } else if (path.equals("/v2/tasks/delete")) {
      requireMethod(method, "POST");
      send(exchange, 200, marathon.killTasks(readJson(exchange), flag(query, "scale"), flag(query, "force")));
    } else if (path.equals("/v2/deployments")) {
      requireMethod(method, "GET");
      send(exchange, 200, marathon.listDeployments());
    } else if (path.startsWith("/v2/deployments/")) {
      requireMethod(method, "DELETE");
      String id = URLDecoder.decode(path.substring("/v2/deployments/".length()), StandardCharsets.UTF_8);
      ObjectNode reply = marathon.cancelDeployment(id, flag(query, "force"));
      if (reply == null) {
        exchange.sendResponseHeaders(202, -1);
      } else {
        send(exchange, 200, reply);
      }
    } else if (path.equals("/v2/events")) {
      requireMethod(method, "GET");
      stream(exchange, query);
    } else {
      throw MarathonApiException.message(404, "The requested resource " + path + " could not be found");
    }
  }

  /** Server-Sent Events until the client leaves or the server stops. */
  private void stream(HttpExchange exchange, Map<String, List<String>> query) throws IOException {
    Set<String> types = new LinkedHashSet<>(splitAll(query.get("event_type")));
    boolean light = "light".equals(first(query, "plan-format"));
    EventBus.Subscriber subscriber = marathon.events().subscribe(types, light);
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache, no-store, must-revalidate");
    exchange.sendResponseHeaders(200, 0);
    try (subscriber; OutputStream out = exchange.getResponseBody()) {
      if (types.isEmpty() || types.contains("event_stream_attached")) {
        ObjectNode attached = marathon.events().stamped("event_stream_attached", MarathonJson.object()
            .put("remoteAddress", exchange.getRemoteAddress().getAddress().getHostAddress()));
        out.write(("event: event_stream_attached\ndata: " + json(attached) + "\n\n").getBytes(StandardCharsets.UTF_8));
      }
      out.flush();
      while (!stopping && !subscriber.isClosed()) {
        Optional<String> frame = subscriber.next(KEEP_ALIVE_MILLIS);
        // An empty line is a no-op for SSE parsers; writing it finds clients that went away.
        out.write(frame.orElse("\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.debug("event stream client left: {}", e.toString());
    }
  }

  private static void requireMethod(String method, String... allowed) {
    for (String a : allowed) {
      if (a.equals(method)) {
        return;
      }
    }
    throw MarathonApiException.message(405, "HTTP method " + method + " is not allowed here");
  }

  private static JsonNode readJson(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readNBytes(MAX_BODY_BYTES + 1);
    }
    if (body.length > MAX_BODY_BYTES) {
      throw MarathonApiException.message(413, "Request body larger than " + MAX_BODY_BYTES + " bytes");
    }
    if (body.length == 0) {
      throw MarathonApiException.malformedJson("No content to map due to end-of-input");
    }
    try {
      return MarathonJson.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw MarathonApiException.malformedJson(e.getOriginalMessage());
    }
  }

  private static Set<LocalMarathon.Embed> listEmbeds(Map<String, List<String>> query) {
    // Marathon always embeds counts and deployments in the app list, for old clients.
    Set<LocalMarathon.Embed> embeds = EnumSet.of(LocalMarathon.Embed.COUNTS, LocalMarathon.Embed.DEPLOYMENTS);
    for (String e : splitAll(query.get("embed"))) {
      switch (e) {
        case "apps.tasks", "app.tasks" -> embeds.add(LocalMarathon.Embed.TASKS);
        case "apps.lastTaskFailure", "app.lastTaskFailure" -> embeds.add(LocalMarathon.Embed.LAST_TASK_FAILURE);
        default -> { } // apps.counts, apps.deployments (always there) and ones this server has no data for
      }
    }
    return embeds;
  }

  /** A single app always comes with tasks, counts, deployments and the last failure, as in Marathon. */
  private static Set<LocalMarathon.Embed> appEmbeds() {
    return EnumSet.allOf(LocalMarathon.Embed.class);
  }

  private static Predicate<ObjectNode> appFilter(Map<String, List<String>> query) {
    Predicate<ObjectNode> filter = app -> true;
    String label = first(query, "label");
    if (label != null && !label.isBlank()) {
      Predicate<Map<String, String>> selector = LabelSelector.parse(label);
      filter = filter.and(app -> selector.test(labels(app)));
    }
    String id = first(query, "id");
    if (id != null && !id.isBlank()) {
      filter = filter.and(app -> app.get("id").asText().contains(id));
    }
    String cmd = first(query, "cmd");
    if (cmd != null && !cmd.isBlank()) {
      filter = filter.and(app -> app.path("cmd").asText("").contains(cmd));
    }
    return filter;
  }

  private static Map<String, String> labels(ObjectNode app) {
    Map<String, String> labels = new LinkedHashMap<>();
    app.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }

  private static boolean flag(Map<String, List<String>> query, String name) {
    return "true".equalsIgnoreCase(first(query, name));
  }

  private static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** Values of a repeated parameter, each also split on commas ({@code embed=a,b&embed=c}). */
  private static List<String> splitAll(List<String> values) {
    List<String> out = new ArrayList<>();
    if (values != null) {
      for (String v : values) {
        for (String part : v.split(",")) {
          if (!part.isBlank()) {
            out.add(part.trim());
          }
        }
      }
    }
    return out;
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> query = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      query.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    return query;
  }

  private static void send(HttpExchange exchange, int status, JsonNode body) {
    try {
      byte[] bytes = json(body).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      log.debug("could not send the reply: {}", e.toString());
    }
  }

  private static void sendText(HttpExchange exchange, int status, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static String json(JsonNode node) {
    try {
      return MarathonJson.MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
