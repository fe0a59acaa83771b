package io.zdd.coordinator.marathon;

import io.zdd.coordinator.http.BoundedBody;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.error.ZddException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MarathonClient} over {@link java.net.http.HttpClient}.
 *
 * <p>Every request carries the configured deadline, and a call never sleeps or retries: the
 * caller is the one retry layer (a deployment repeats on its next scheduled tick, the steady-state
 * pass on its next pass), so nothing waits inside a call. A 5xx or a network error fails at once
 * (UNAVAILABLE / DEADLINE_EXCEEDED). A 409 "locked by deployment" on a write fails with a
 * {@link ConflictException} too, but the client remembers since when that call has found the app
 * locked: once the {@link LockedAppPolicy}'s wait has passed, the call is forced
 * ({@code ?force=true}) or fails for good ({@link PreconditionException}). A 401 triggers one
 * re-login (DC/OS) and one repeat. Each request is counted in
 * {@code zdd_marathon_requests_total{method,code}}.
 */
public final class HttpMarathonClient implements MarathonClient {
  private static final Logger log = LoggerFactory.getLogger(HttpMarathonClient.class);
  private static final String METRIC = "zdd.marathon.requests";
  private static final Pattern APP_ID = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");

  private final MarathonClientConfig config;
  private final HttpClient http;
  private final MarathonAuth auth;
  private final MeterRegistry meters;
  private final Clock clock;
  private final String base;
  /** Since when each write (method and path) has found its app locked; bounded, cleared on success. */
  private final Map<String, Instant> lockedSince = new ConcurrentHashMap<>();
  private static final int MAX_LOCKS_TRACKED = 1024;

  /** One request as the retry loop sees it. */
  private record Call(String method, String path, String query, String body, boolean idempotent, boolean lockable) {
    String describe() {
      return method + " " + path;
    }
  }

  private record Reply(int status, String body) {}

  public HttpMarathonClient(MarathonClientConfig config, HttpClient http, MarathonAuth auth,
      MeterRegistry meters, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.http = Objects.requireNonNull(http, "http");
    this.auth = Objects.requireNonNull(auth, "auth");
    this.meters = Objects.requireNonNull(meters, "meters");
    this.clock = Objects.requireNonNull(clock, "clock");
    String b = config.baseUri().toString();
    this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
  }

  /** An HTTP/1.1 client with the config's connect timeout that never follows redirects. */
  public static HttpClient newHttpClient(MarathonClientConfig config) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(config.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  // ---- the calls -------------------------------------------------------------------------------

  @Override
  public List<MarathonApp> listApps() {
    return listAppsWithQuery("embed=apps.tasks");
  }

  @Override
  public List<MarathonApp> listApps(String labelSelector) {
    if (labelSelector == null || labelSelector.isBlank()) {
      throw new InvalidInputException("labelSelector", "must not be empty");
    }
    return listAppsWithQuery("embed=apps.tasks&label=" + URLEncoder.encode(labelSelector, StandardCharsets.UTF_8));
  }

  private List<MarathonApp> listAppsWithQuery(String query) {
    Call call = new Call("GET", "/v2/apps", query, null, true, false);
    JsonNode reply = json(call, execute(call));
    try {
      return MarathonJson.parseAppsReply(reply);
    } catch (InvalidInputException e) {
      throw MarathonReplyException.of(call.describe(), e);
    }
  }

  @Override
  public MarathonApp getApp(String appId) {
    Call call = new Call("GET", appPath(appId), null, null, true, false);
    JsonNode reply = json(call, execute(call));
    try {
      return MarathonJson.parseAppReply(reply);
    } catch (InvalidInputException e) {
      throw MarathonReplyException.of(call.describe(), e);
    }
  }

  @Override
  public MarathonApp createApp(ObjectNode definition) {
    Objects.requireNonNull(definition, "definition");
    JsonNode id = definition.get("id");
    if (id == null || !id.isTextual()) {
      throw new InvalidInputException("id", "the app definition needs a string id");
    }
    appPath(id.asText());
    Call call = new Call("POST", "/v2/apps", null, definition.toString(), false, false);
    JsonNode reply = json(call, execute(call));
    try {
      return MarathonJson.parseApp(reply, "app");
    } catch (InvalidInputException e) {
      throw MarathonReplyException.of(call.describe(), e);
    }
  }

  @Override
  public MarathonDeploymentRef updateApp(String appId, ObjectNode definition, boolean force) {
    Objects.requireNonNull(definition, "definition");
    Call call = new Call("PUT", appPath(appId), force ? "force=true" : null, definition.toString(), false, true);
    return deploymentReply(call, execute(call));
  }

  @Override
  public MarathonDeploymentRef scaleApp(String appId, int instances, boolean force) {
    if (instances < 0) {
      throw new InvalidInputException("instances", "must not be negative, got " + instances);
    }
    String body = MarathonJson.MAPPER.createObjectNode().put("instances", instances).toString();
    // An absolute count: repeating it cannot scale twice, so it is retried like a GET.
    Call call = new Call("PUT", appPath(appId), force ? "force=true" : null, body, true, true);
    return deploymentReply(call, execute(call));
  }

  @Override
  public Optional<MarathonDeploymentRef> killTasks(List<String> taskIds, boolean scale) {
    if (taskIds == null || taskIds.isEmpty()) {
      throw new InvalidInputException("taskIds", "at least one task id is needed");
    }
    ObjectNode body = MarathonJson.MAPPER.createObjectNode();
    ArrayNode ids = body.putArray("ids");
    for (String id : taskIds) {
      if (id == null || id.isBlank()) {
        throw new InvalidInputException("taskIds", "task ids must not be blank");
      }
      ids.add(id);
    }
    Call call = new Call("POST", "/v2/tasks/delete", "scale=" + scale, body.toString(), false, true);
    Reply reply = execute(call);
    return scale ? Optional.of(deploymentReply(call, reply)) : Optional.empty();
  }

  @Override
  public MarathonDeploymentRef deleteApp(String appId) {
    Call call = new Call("DELETE", appPath(appId), null, null, false, true);
    return deploymentReply(call, execute(call));
  }

  @Override
  public MarathonInfo info() {
    Call call = new Call("GET", "/v2/info", null, null, true, false);
    JsonNode reply = json(call, execute(call));
    JsonNode name = reply.get("name");
    JsonNode version = reply.get("version");
    if (name == null || !name.isTextual() || version == null || !version.isTextual()) {
      throw new MarathonReplyException(call.describe(), "name/version", "missing or not strings");
    }
    JsonNode leader = reply.get("leader");
    return new MarathonInfo(name.asText(), version.asText(),
        leader != null && leader.isTextual() ? Optional.of(leader.asText()) : Optional.empty(),
        (ObjectNode) reply);
  }

  @Override
  public boolean ping() {
    Call call = new Call("GET", "/ping", null, null, false, false);
    try {
      execute(call);
      return true;
    } catch (ZddException e) {
      log.debug("Marathon ping failed: {}", e.getMessage());
      return false;
    }
  }

  // ---- the retry loop --------------------------------------------------------------------------

  private Reply execute(Call call) {
    LockedAppPolicy policy = config.lockedAppPolicy();
    boolean forced = "force=true".equals(call.query());
    boolean reauthenticated = false;
    while (true) {
      Reply reply = send(call, forced);
      int status = reply.status();
      if (status / 100 == 2) {
        lockedSince.remove(call.describe());
        return reply;
      }
      if (status == 401 && !reauthenticated && auth.refreshAfterUnauthorized()) {
        reauthenticated = true;
        log.info("Marathon answered 401 to {}; re-authenticated, repeating once", call.describe());
        continue;
      }
      if (status == 409 && call.lockable() && !forced) {
        if (lockedSince.size() > MAX_LOCKS_TRACKED) {
          lockedSince.clear();
        }
        Instant since = lockedSince.computeIfAbsent(call.describe(), k -> clock.instant());
        Duration waited = Duration.between(since, clock.instant());
        if (waited.compareTo(policy.maxWait()) < 0) {
          throw new ConflictException("Marathon " + call.describe() + ": the app is locked by deployment(s) "
              + deploymentIds(reply) + " (" + waited.toMillis() + " of " + policy.maxWait().toMillis()
              + " ms waited); repeat later" + message(reply));
        }
        lockedSince.remove(call.describe());
        if (policy.forceAfterWait()) {
          log.warn("Marathon {}: app still locked by {} after {} ms; forcing (this cancels that deployment)",
              call.describe(), deploymentIds(reply), waited.toMillis());
          forced = true;
          continue;
        }
        throw new PreconditionException("Marathon " + call.describe() + ": the app is still locked by deployment(s) "
            + deploymentIds(reply) + " after " + waited.toMillis() + " ms" + message(reply));
      }
      throw failure(call, reply);
    }
  }

  private Reply send(Call call, boolean forced) {
    String query = call.query();
    if (forced && call.lockable() && (query == null || !query.contains("force=true"))) {
      query = query == null ? "force=true" : query + "&force=true";
    }
    URI uri = URI.create(base + call.path() + (query == null ? "" : "?" + query));
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
        .timeout(config.requestTimeout())
        .header("Accept", "application/json")
        .header("User-Agent", "zdd");
    auth.authorization().ifPresent(value -> builder.header("Authorization", value));
    if (call.body() != null) {
      builder.header("Content-Type", "application/json");
      builder.method(call.method(), HttpRequest.BodyPublishers.ofString(call.body()));
    } else {
      builder.method(call.method(), HttpRequest.BodyPublishers.noBody());
    }
    long started = System.nanoTime();
    CompletableFuture<HttpResponse<String>> future =
        http.sendAsync(builder.build(), BoundedBody.handler(config.maxReplyBytes(), "--max-marathon-reply"));
    try {
      // The request timeout covers the wait for headers; this bound also covers a stalled body.
      HttpResponse<String> response = future.get(config.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
      count(call, Integer.toString(response.statusCode()));
      log.debug("Marathon {} -> {} in {} ms", call.describe(), response.statusCode(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return new Reply(response.statusCode(), response.body() == null ? "" : response.body());
    } catch (TimeoutException e) {
      future.cancel(true);
      count(call, "timeout");
      throw timeout(call);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      count(call, "interrupted");
      throw new UnavailableException("interrupted during Marathon " + call.describe(), e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException)) {
        count(call, "timeout");
        throw timeout(call);
      }
      if (tooLarge(cause)) {
        count(call, "too_large");
        throw new UnavailableException("Marathon " + call.describe() + " at " + base + ": " + cause.getMessage(), cause);
      }
      count(call, "io_error");
      throw new UnavailableException("Marathon " + call.describe() + " at " + base + " failed: "
          + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + excerpt(cause.getMessage())), cause);
    }
  }

  private static boolean tooLarge(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BoundedBody.TooLargeException) {
        return true;
      }
    }
    return false;
  }

  private DeadlineExceededException timeout(Call call) {
    String outcome = call.method().equals("GET") ? "" : "; whether Marathon applied it is unknown, re-read before repeating";
    return new DeadlineExceededException("Marathon " + call.describe() + " got no answer within "
        + config.requestTimeout().toMillis() + " ms" + outcome);
  }

  private void count(Call call, String code) {
    Counter.builder(METRIC)
        .description("Requests zdd sent to Marathon, by HTTP method and status code (or timeout/io_error)")
        .tag("method", call.method())
        .tag("code", code)
        .register(meters)
        .increment();
  }

  // ---- replies and errors ----------------------------------------------------------------------

  private static JsonNode json(Call call, Reply reply) {
    try {
      JsonNode node = MarathonJson.MAPPER.readTree(reply.body());
      if (node == null || !node.isObject()) {
        throw new MarathonReplyException(call.describe(), "body", "not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new MarathonReplyException(call.describe(), "body", "not JSON: " + excerpt(reply.body()));
    }
  }

  private static MarathonDeploymentRef deploymentReply(Call call, Reply reply) {
    try {
      return MarathonJson.parseDeploymentReply(json(call, reply));
    } catch (InvalidInputException e) {
      throw MarathonReplyException.of(call.describe(), e);
    }
  }

  private ZddException failure(Call call, Reply reply) {
    int status = reply.status();
    String what = "Marathon " + call.describe() + " answered " + status;
    if (status == 404) {
      return new NotFoundException(what + message(reply));
    }
    if (status == 400 || status == 422) {
      return invalid(what, reply);
    }
    if (status == 409) {
      return new ConflictException(what + message(reply));
    }
    if (status == 401 || status == 403) {
      return new PreconditionException(what + ": Marathon refused zdd's credentials ("
          + (auth == MarathonAuth.NONE ? "none were configured" : auth.getClass().getSimpleName()) + ")"
          + message(reply));
    }
    if (status / 100 == 5) {
      return new UnavailableException(what + message(reply));
    }
    return new PreconditionException(what + " (unexpected)" + message(reply));
  }

  /**
   * 422 (and 400) bodies: {@code {"message": "Object is not valid", "details": [{"path":
   * "/instances", "errors": ["error.min"]}]}}. The first detail's path becomes the field.
   */
  private static InvalidInputException invalid(String what, Reply reply) {
    String field = "app";
    StringBuilder text = new StringBuilder(what);
    JsonNode node = tryJson(reply.body());
    if (node != null) {
      String message = node.path("message").asText("");
      if (!message.isEmpty()) {
        text.append(": ").append(excerpt(message));
      }
      List<String> details = new ArrayList<>();
      for (JsonNode d : node.path("details")) {
        String path = d.path("path").asText("");
        List<String> errors = new ArrayList<>();
        d.path("errors").forEach(err -> errors.add(err.asText()));
        details.add((path.isEmpty() ? "" : path + ": ") + String.join(", ", errors));
        if (field.equals("app") && path.length() > 1) {
          field = path.substring(1).replace('/', '.');
        }
      }
      if (!details.isEmpty()) {
        text.append(" [").append(excerpt(String.join("; ", details))).append("]");
      }
    } else if (!reply.body().isBlank()) {
      text.append(": ").append(excerpt(reply.body()));
    }
    return new InvalidInputException(field, text.toString());
  }

  private static String message(Reply reply) {
    JsonNode node = tryJson(reply.body());
    if (node != null && node.path("message").isTextual()) {
      return ": " + excerpt(node.path("message").asText());
    }
    return reply.body().isBlank() ? "" : ": " + excerpt(reply.body());
  }

  private static List<String> deploymentIds(Reply reply) {
    List<String> ids = new ArrayList<>();
    JsonNode node = tryJson(reply.body());
    if (node != null) {
      node.path("deployments").forEach(d -> ids.add(d.path("id").asText("?")));
    }
    return ids;
  }

  private static JsonNode tryJson(String body) {
    try {
      JsonNode node = MarathonJson.MAPPER.readTree(body);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** A short, single-line, printable piece of remote text for a message. */
  static String excerpt(String text) {
    String cut = text.length() > 300 ? text.substring(0, 300) + "…" : text;
    return cut.replaceAll("\\p{Cntrl}", " ").strip();
  }

  /** {@code /v2/apps/<id>} for an id with or without its leading slash; rejects ids that would escape the path. */
  static String appPath(String appId) {
    if (appId == null) {
      throw new InvalidInputException("app id", "missing");
    }
    String id = appId.startsWith("/") ? appId.substring(1) : appId;
    if (!APP_ID.matcher(id).matches()) {
      throw new InvalidInputException("app id", "must be path segments of [A-Za-z0-9._-], got '" + excerpt(appId) + "'");
    }
    for (String segment : id.split("/")) {
      if (segment.equals(".") || segment.equals("..")) {
        throw new InvalidInputException("app id", "must not contain '.' or '..' segments, got '" + excerpt(appId) + "'");
      }
    }
    return "/v2/apps/" + id;
  }

  @Override
  public String toString() {
    return "HttpMarathonClient[" + base + ", auth=" + auth + "]";
  }
}
