package io.zdd.coordinator.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.NotLeaderException;
import io.zdd.common.error.PermissionDeniedException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.ResourceExhaustedException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.error.ZddException;
import io.zdd.coordinator.admin.OperatorControls;
import io.zdd.coordinator.engine.Control;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.security.AuditTrail;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's routes. Reads are GETs and need no login (the HTTP port is for operators only,
 * like /metrics). Writes are POSTs with a JSON body: {@code /api/login} exchanges a one-time token
 * for a session cookie; a control ({@code /api/deployments/ID/pause} …) needs that session and its
 * CSRF token in the {@value #CSRF_HEADER} header, and goes through {@link OperatorControls} as the
 * admin API's controls do. Anything else is 404.
 */
final class DashboardApi {
  private static final Logger log = LoggerFactory.getLogger(DashboardApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String COOKIE = "zdd_session";
  static final String CSRF_HEADER = "X-ZDD-CSRF";
  /** Writes carry a token or nothing: a few hundred bytes at most. */
  static final int MAX_BODY = 4096;
  private static final Pattern DEPLOYMENT = Pattern.compile("/api/deployments/([A-Za-z0-9-]{1,64})");
  private static final Pattern CONTROL = Pattern.compile("/api/deployments/([A-Za-z0-9-]{1,64})/(pause|resume|promote|abort)");
  static final Pattern EVENTS = Pattern.compile("/api/deployments/([A-Za-z0-9-]{1,64})/events");
  private static final Map<String, String> STATIC = Map.of(
      "/", "index.html",
      "/index.html", "index.html",
      "/dashboard.js", "dashboard.js",
      "/dashboard.css", "dashboard.css");

  private final DashboardView view;
  private final DashboardLogins logins;
  private final OperatorControls controls;
  private final AuditTrail audit;
  private final boolean secureCookies;

  /** @param secureCookies the dashboard is reached over HTTPS (its URL says so): cookies get {@code Secure} */
  DashboardApi(DashboardView view, DashboardLogins logins, OperatorControls controls, AuditTrail audit,
      boolean secureCookies) {
    this.view = view;
    this.logins = logins;
    this.controls = controls;
    this.audit = audit;
    this.secureCookies = secureCookies;
  }

  DashboardResponse handle(DashboardRequest req) {
    try {
      return switch (req.method()) {
        case "GET", "HEAD" -> get(req);
        case "POST" -> post(req);
        default -> DashboardResponse.error(405, "only GET and POST");
      };
    } catch (ZddException e) {
      return failure(e);
    } catch (RuntimeException e) {
      log.warn("dashboard {} failed", req, e);
      return DashboardResponse.error(500, "internal error");
    }
  }

  private DashboardResponse get(DashboardRequest req) {
    String path = req.path();
    String resource = STATIC.get(path);
    if (resource != null) {
      return resource(resource);
    }
    Optional<DashboardLogins.Session> session = session(req);
    switch (path) {
      case "/api/overview":
        return DashboardResponse.json(200, view.overview(session));
      case "/api/groups":
        return DashboardResponse.json(200, view.groups());
      case "/api/deployments":
        return DashboardResponse.json(200, view.deployments());
      case "/api/agents":
        return DashboardResponse.json(200, view.agents());
      case "/api/session":
        return sessionInfo(req, session);
      default:
        break;
    }
    Matcher m = DEPLOYMENT.matcher(path);
    if (m.matches()) {
      return DashboardResponse.json(200, view.deployment(m.group(1), session.map(DashboardLogins.Session::identity)));
    }
    return DashboardResponse.error(404, "no such page");
  }

  private DashboardResponse sessionInfo(DashboardRequest req, Optional<DashboardLogins.Session> session) {
    ObjectNode n = JSON.createObjectNode();
    if (session.isEmpty()) {
      n.putNull("operator");
      return DashboardResponse.json(200, n);
    }
    n.put("operator", session.get().identity().toString());
    n.put("expires_at", session.get().expiresAt().toString());
    // Readable only by the page's own origin: the browser keeps other sites from reading it.
    n.put("csrf", DashboardLogins.csrfToken(req.cookie(COOKIE).orElseThrow()));
    return DashboardResponse.json(200, n);
  }

  private DashboardResponse post(DashboardRequest req) {
    String path = req.path();
    boolean known = path.equals("/api/login") || path.equals("/api/logout") || CONTROL.matcher(path).matches();
    if (!known) {
      return DashboardResponse.error(404, "no such page");
    }
    // A JSON content type cannot be sent cross-site without a preflight this server never grants.
    if (!req.header("content-type").orElse("").toLowerCase(Locale.ROOT).startsWith("application/json")) {
      return DashboardResponse.error(415, "writes take application/json");
    }
    if (req.body().length > MAX_BODY) {
      return DashboardResponse.error(413, "request too large");
    }
    if (req.header("origin").isPresent() && !sameOrigin(req)) {
      return DashboardResponse.error(403, "cross-origin write refused");
    }
    if (path.equals("/api/login")) {
      return login(req);
    }
    Optional<String> cookie = req.cookie(COOKIE);
    Optional<DashboardLogins.Session> session = session(req);
    if (session.isEmpty()) {
      audit.refused(Optional.empty(), "dashboard " + path, "-", "no dashboard session");
      return DashboardResponse.error(401, "sign in first: run 'zdd dashboard' and open its link");
    }
    if (!DashboardLogins.csrfMatches(cookie.orElseThrow(), req.header(CSRF_HEADER).orElse(null))) {
      audit.refused(Optional.of(session.get().identity()), "dashboard " + path, "-", "missing or wrong CSRF token");
      return DashboardResponse.error(403, "missing or wrong " + CSRF_HEADER + " header");
    }
    if (path.equals("/api/logout")) {
      logins.end(cookie.get());
      audit.done(Optional.of(session.get().identity()), "signed out of the dashboard");
      return DashboardResponse.json(200, JSON.createObjectNode().putNull("operator"))
          .withHeader("Set-Cookie", cookie("", 0));
    }
    Matcher m = CONTROL.matcher(path);
    if (!m.matches()) {
      return DashboardResponse.error(404, "no such page");
    }
    Control control = Control.valueOf(m.group(2).toUpperCase(Locale.ROOT));
    DeploymentRecord after = controls.apply(Optional.of(session.get().identity()), m.group(1), "", control);
    return DashboardResponse.json(200, view.deployment(after.id(), Optional.of(session.get().identity())));
  }

  private DashboardResponse login(DashboardRequest req) {
    String token;
    try {
      JsonNode body = JSON.readTree(req.body());
      token = body == null ? "" : body.path("token").asText("");
    } catch (IOException e) {
      return DashboardResponse.error(400, "expected {\"token\": \"...\"}");
    }
    DashboardLogins.Issued issued;
    try {
      issued = logins.exchange(token);
    } catch (PermissionDeniedException e) {
      audit.refused(Optional.empty(), "dashboard sign-in", "-", e.getMessage());
      throw e;
    }
    audit.done(Optional.of(issued.session().identity()), "signed in to the dashboard");
    ObjectNode n = JSON.createObjectNode();
    n.put("operator", issued.session().identity().toString());
    n.put("expires_at", issued.session().expiresAt().toString());
    n.put("csrf", DashboardLogins.csrfToken(issued.cookieValue()));
    return DashboardResponse.json(200, n)
        .withHeader("Set-Cookie", cookie(issued.cookieValue(), DashboardLogins.SESSION_TTL.toSeconds()));
  }

  private String cookie(String value, long maxAgeSeconds) {
    return COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
        + (secureCookies ? "; Secure" : "");
  }

  private Optional<DashboardLogins.Session> session(DashboardRequest req) {
    return req.cookie(COOKIE).flatMap(logins::session);
  }

  /** The Origin a browser sends names the host the page was loaded from. */
  private static boolean sameOrigin(DashboardRequest req) {
    String origin = req.header("origin").orElse("");
    String host = req.header("host").orElse("");
    return !host.isEmpty() && (origin.equals("http://" + host) || origin.equals("https://" + host));
  }

  private static DashboardResponse failure(ZddException e) {
    int status;
    if (e instanceof NotLeaderException nl) {
      return DashboardResponse.error(409, "this coordinator is a standby; controls work on the leader's dashboard"
          + nl.leader().map(l -> " (leader: " + l + "; 'zdd dashboard' prints its link)").orElse(""));
    } else if (e instanceof PermissionDeniedException) {
      status = 403;
    } else if (e instanceof NotFoundException) {
      status = 404;
    } else if (e instanceof InvalidInputException) {
      status = 400;
    } else if (e instanceof PreconditionException || e instanceof ConflictException) {
      status = 409;
    } else if (e instanceof ResourceExhaustedException) {
      status = 429;
    } else if (e instanceof UnavailableException) {
      status = 503;
    } else {
      status = 500;
    }
    return DashboardResponse.error(status, e.getMessage());
  }

  private static DashboardResponse resource(String name) {
    try (InputStream in = DashboardApi.class.getResourceAsStream(name)) {
      if (in == null) {
        return DashboardResponse.error(404, "no such page");
      }
      String type = name.endsWith(".js") ? "text/javascript; charset=utf-8"
          : name.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
      return new DashboardResponse(200, type, in.readAllBytes(), Map.of());
    } catch (IOException e) {
      throw new UnavailableException("cannot read " + name + ": " + e.getMessage(), e);
    }
  }

  static boolean isEventStream(String method, String path) {
    return method.equals("GET") && EVENTS.matcher(path).matches();
  }
}
