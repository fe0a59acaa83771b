package io.zdd.coordinator.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.common.error.PermissionDeniedException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.ResourceExhaustedException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.admin.AdminService;
import io.zdd.proto.v1.DashboardLoginResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dashboard logins: one-time login tokens and the sessions they are exchanged for, kept in
 * ZooKeeper under {@code <root>/dashboard} (the coordinators' ACL when ZooKeeper has digest
 * credentials) so that any coordinator honours them. A token or session is stored only as the
 * SHA-256 of its value (a znode named by the hash), so reading ZooKeeper does not give a login;
 * the values are never logged. A token is used once: the exchange deletes its znode with the
 * version it read, and only the caller whose delete succeeds gets a session.
 *
 * <p>The session's CSRF token is derived from the session value (a keyed hash), so the page can
 * ask for it with a same-origin read and every coordinator can check it without storing it.
 */
public final class DashboardLogins implements AdminService.LoginLinks {
  private static final Logger log = LoggerFactory.getLogger(DashboardLogins.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A login link is for clicking now, not for keeping. */
  public static final Duration TOKEN_TTL = Duration.ofMinutes(2);
  /** A session ends after this however active it is; `zdd dashboard` gives a new one. */
  public static final Duration SESSION_TTL = Duration.ofHours(1);
  static final int MAX_TOKENS = 100;
  static final int MAX_SESSIONS = 1000;
  private static final int TOKEN_BYTES = 32;

  /** A signed-in dashboard viewer acting as {@code identity} until {@code expiresAt}. */
  public record Session(SpiffeId identity, Instant expiresAt) {}

  /** A new session: the cookie value (secret) and what it stands for. */
  public record Issued(String cookieValue, Session session) {
    @Override
    public String toString() {
      return "Issued[" + session + "]";
    }
  }

  private final CuratorFramework curator;
  private final String tokens;
  private final String sessions;
  private final Supplier<Optional<String>> dashboardUrl;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param root zdd's ZooKeeper root ({@code /zdd})
   * @param dashboardUrl this coordinator's dashboard base URL; empty when it serves none
   */
  public DashboardLogins(CuratorFramework curator, String root, Supplier<Optional<String>> dashboardUrl, Clock clock) {
    this.curator = curator;
    this.tokens = root + "/dashboard/tokens";
    this.sessions = root + "/dashboard/sessions";
    this.dashboardUrl = dashboardUrl;
    this.clock = clock;
  }

  @Override
  public DashboardLoginResponse issue(Optional<SpiffeId> caller) {
    if (caller.isEmpty()) {
      throw new PreconditionException("the dashboard's controls need TLS identities; without them (--insecure) it is read-only");
    }
    if (caller.get().role() != SpiffeId.Role.OPERATOR) {
      throw new PermissionDeniedException("only operator certificates may sign in to the dashboard");
    }
    String base = dashboardUrl.get().orElseThrow(() ->
        new PreconditionException("this coordinator serves no dashboard (--metrics-listen off or --dashboard off)"));
    String token = newSecret();
    Instant expires = clock.instant().plus(TOKEN_TTL);
    store(tokens, token, caller.get(), expires, MAX_TOKENS, "login tokens");
    log.info("issued a dashboard login link for {} (expires {})", caller.get(), expires);
    return DashboardLoginResponse.newBuilder()
        .setUrl(base + "#login=" + token)
        .setExpiresAtUnixMs(expires.toEpochMilli())
        .setIdentity(caller.get().toString())
        .build();
  }

  /**
   * Exchanges a login token for a session, once.
   *
   * @throws PermissionDeniedException for an unknown, used or expired token
   */
  public Issued exchange(String token) {
    Optional<Stored> t = read(tokens, token);
    if (t.isEmpty()) {
      throw new PermissionDeniedException("unknown or already used login link; run 'zdd dashboard' for a new one");
    }
    try {
      curator.delete().withVersion(t.get().version()).forPath(t.get().path());
    } catch (KeeperException.NoNodeException | KeeperException.BadVersionException used) {
      throw new PermissionDeniedException("unknown or already used login link; run 'zdd dashboard' for a new one");
    } catch (Exception e) {
      throw new UnavailableException("cannot use the login link: " + e.getMessage(), e);
    }
    if (!t.get().session().expiresAt().isAfter(clock.instant())) {
      throw new PermissionDeniedException("the login link expired; run 'zdd dashboard' for a new one");
    }
    String cookie = newSecret();
    Session s = new Session(t.get().session().identity(), clock.instant().plus(SESSION_TTL));
    store(sessions, cookie, s.identity(), s.expiresAt(), MAX_SESSIONS, "dashboard sessions");
    log.info("dashboard session opened for {} (until {})", s.identity(), s.expiresAt());
    return new Issued(cookie, s);
  }

  /** The live session a cookie value stands for. */
  public Optional<Session> session(String cookieValue) {
    if (!wellFormed(cookieValue)) {
      return Optional.empty();
    }
    return read(sessions, cookieValue).map(Stored::session).filter(s -> s.expiresAt().isAfter(clock.instant()));
  }

  /** Ends a session (logout). */
  public void end(String cookieValue) {
    if (wellFormed(cookieValue)) {
      try {
        curator.delete().quietly().forPath(sessions + "/" + hash(cookieValue));
      } catch (Exception e) {
        throw new UnavailableException("cannot end the session: " + e.getMessage(), e);
      }
    }
  }

  /** The CSRF token of a session: the page reads it with a same-origin request and sends it with every write. */
  public static String csrfToken(String cookieValue) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256("zdd-dashboard-csrf\n" + cookieValue));
  }

  /** Constant-time comparison of the header a write carried with the session's CSRF token. */
  public static boolean csrfMatches(String cookieValue, String header) {
    return header != null && MessageDigest.isEqual(csrfToken(cookieValue).getBytes(StandardCharsets.US_ASCII),
        header.getBytes(StandardCharsets.US_ASCII));
  }

  private record Stored(String path, int version, Session session) {}

  private Optional<Stored> read(String dir, String secret) {
    if (!wellFormed(secret)) {
      return Optional.empty();
    }
    String path = dir + "/" + hash(secret);
    try {
      Stat stat = new Stat();
      JsonNode n = JSON.readTree(curator.getData().storingStatIn(stat).forPath(path));
      Optional<SpiffeId> id = SpiffeId.parse(n.path("identity").asText(""));
      if (id.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new Stored(path, stat.getVersion(),
          new Session(id.get(), Instant.ofEpochMilli(n.path("expiresAtUnixMs").asLong(0)))));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw new UnavailableException("cannot read dashboard logins: " + e.getMessage(), e);
    }
  }

  private void store(String dir, String secret, SpiffeId identity, Instant expires, int limit, String what) {
    try {
      try {
        curator.create().creatingParentsIfNeeded().forPath(dir);
      } catch (KeeperException.NodeExistsException ignored) {
        // Made by an earlier login.
      }
      List<String> children = purgeExpired(dir);
      if (children.size() >= limit) {
        throw new ResourceExhaustedException("too many outstanding " + what + " (" + limit + "); try again later");
      }
      byte[] data = JSON.createObjectNode()
          .put("identity", identity.toString())
          .put("expiresAtUnixMs", expires.toEpochMilli())
          .toString().getBytes(StandardCharsets.UTF_8);
      curator.create().forPath(dir + "/" + hash(secret), data);
    } catch (ResourceExhaustedException e) {
      throw e;
    } catch (Exception e) {
      throw new UnavailableException("cannot store " + what + ": " + e.getMessage(), e);
    }
  }

  /** Deletes the expired entries of {@code dir}; returns the ones left. */
  private List<String> purgeExpired(String dir) throws Exception {
    List<String> left = new ArrayList<>();
    Instant now = clock.instant();
    for (String c : curator.getChildren().forPath(dir)) {
      try {
        JsonNode n = JSON.readTree(curator.getData().forPath(dir + "/" + c));
        if (Instant.ofEpochMilli(n.path("expiresAtUnixMs").asLong(0)).isAfter(now)) {
          left.add(c);
        } else {
          curator.delete().quietly().forPath(dir + "/" + c);
        }
      } catch (KeeperException.NoNodeException gone) {
        // Used or purged meanwhile.
      }
    }
    return left;
  }

  private String newSecret() {
    byte[] b = new byte[TOKEN_BYTES];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Secrets are 43 base64url characters; anything else is never looked up. */
  static boolean wellFormed(String secret) {
    return secret != null && secret.matches("[A-Za-z0-9_-]{43}");
  }

  private static String hash(String secret) {
    return HexFormat.of().formatHex(sha256(secret));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required", e);
    }
  }
}
