package io.zdd.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.PermissionDeniedException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.ResourceExhaustedException;
import io.zdd.common.testing.MutableClock;
import io.zdd.common.testing.ZooKeeperExtension;
import io.zdd.common.tls.SpiffeId;
import io.zdd.proto.v1.DashboardLoginResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Login links and sessions on a real ZooKeeper: a token works once and only within its two
 * minutes, another coordinator honours what one issued, nothing stored or logged holds a token
 * or cookie value, sessions end, CSRF tokens match only their session, and the stores are bounded.
 */
class DashboardLoginsTest {
  @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
  private static final SpiffeId ALICE = new SpiffeId("zdd", SpiffeId.Role.OPERATOR, "alice");

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<CuratorFramework> clients = new ArrayList<>();
  private String root;

  @BeforeEach
  void root() {
    root = "/t" + UUID.randomUUID().toString().replace("-", "");
  }

  @AfterEach
  void close() {
    clients.forEach(CuratorFramework::close);
  }

  private DashboardLogins logins() {
    CuratorFramework c = zk.newClient();
    clients.add(c);
    return new DashboardLogins(c, root, () -> Optional.of("http://127.0.0.1:7101/"), clock);
  }

  private static String token(DashboardLoginResponse r) {
    assertThat(r.getUrl()).startsWith("http://127.0.0.1:7101/#login=");
    return r.getUrl().substring(r.getUrl().indexOf("#login=") + 7);
  }

  @Test
  void aTokenIsExchangedOnce_onAnyCoordinator_forASessionActingAsItsOperator() {
    DashboardLogins issuer = logins();
    DashboardLogins other = logins();
    DashboardLoginResponse r = issuer.issue(Optional.of(ALICE));
    String token = token(r);
    assertThat(token.length() * 6).as("random bits in the token (base64url)").isGreaterThanOrEqualTo(128);
    assertThat(r.getExpiresAtUnixMs()).isEqualTo(clock.instant().plus(DashboardLogins.TOKEN_TTL).toEpochMilli());

    DashboardLogins.Issued session = other.exchange(token);
    assertThat(session.session().identity()).isEqualTo(ALICE);
    assertThat(issuer.session(session.cookieValue())).map(DashboardLogins.Session::identity).contains(ALICE);
    assertThatThrownBy(() -> issuer.exchange(token)).isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("already used");
    assertThat(session.toString()).doesNotContain(session.cookieValue());
  }

  @Test
  void nothingInZooKeeperHoldsATokenOrCookieValue() throws Exception {
    DashboardLogins l = logins();
    String token = token(l.issue(Optional.of(ALICE)));
    String tokenDump = dump();
    assertThat(tokenDump).contains("alice").doesNotContain(token);
    String cookie = l.exchange(token).cookieValue();
    assertThat(dump()).contains("alice").doesNotContain(cookie).doesNotContain(token);
  }

  private String dump() throws Exception {
    CuratorFramework c = zk.newClient();
    clients.add(c);
    StringBuilder sb = new StringBuilder();
    for (String dir : List.of(root + "/dashboard/tokens", root + "/dashboard/sessions")) {
      if (c.checkExists().forPath(dir) == null) {
        continue;
      }
      for (String child : c.getChildren().forPath(dir)) {
        sb.append(child).append('=').append(new String(c.getData().forPath(dir + "/" + child), StandardCharsets.UTF_8))
            .append('\n');
      }
    }
    return sb.toString();
  }

  @Test
  void anExpiredTokenIsRefused_andAnExpiredSessionIsGone() {
    DashboardLogins l = logins();
    String late = token(l.issue(Optional.of(ALICE)));
    clock.advance(DashboardLogins.TOKEN_TTL.plusSeconds(1));
    assertThatThrownBy(() -> l.exchange(late)).isInstanceOf(PermissionDeniedException.class).hasMessageContaining("expired");

    String cookie = l.exchange(token(l.issue(Optional.of(ALICE)))).cookieValue();
    assertThat(l.session(cookie)).isPresent();
    clock.advance(DashboardLogins.SESSION_TTL);
    assertThat(l.session(cookie)).isEmpty();
  }

  @Test
  void endedSessionsAndMadeUpValuesGiveNothing() {
    DashboardLogins l = logins();
    String cookie = l.exchange(token(l.issue(Optional.of(ALICE)))).cookieValue();
    l.end(cookie);
    assertThat(l.session(cookie)).isEmpty();
    assertThat(l.session("x".repeat(43))).isEmpty();
    assertThat(l.session("../../etc")).isEmpty();
    assertThatThrownBy(() -> l.exchange("not-a-token")).isInstanceOf(PermissionDeniedException.class);
  }

  @Test
  void onlyOperatorCertificatesSignIn_andNeverWithoutIdentities() {
    DashboardLogins l = logins();
    assertThatThrownBy(() -> l.issue(Optional.empty())).isInstanceOf(PreconditionException.class)
        .hasMessageContaining("read-only");
    assertThatThrownBy(() -> l.issue(Optional.of(new SpiffeId("zdd", SpiffeId.Role.COORDINATOR, "c1"))))
        .isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> l.issue(Optional.of(new SpiffeId("zdd", SpiffeId.Role.AGENT, "lb-1"))))
        .isInstanceOf(PermissionDeniedException.class);
  }

  @Test
  void csrfTokensBelongToTheirSession() {
    DashboardLogins l = logins();
    String a = l.exchange(token(l.issue(Optional.of(ALICE)))).cookieValue();
    String b = l.exchange(token(l.issue(Optional.of(ALICE)))).cookieValue();
    assertThat(DashboardLogins.csrfMatches(a, DashboardLogins.csrfToken(a))).isTrue();
    assertThat(DashboardLogins.csrfMatches(a, DashboardLogins.csrfToken(b))).isFalse();
    assertThat(DashboardLogins.csrfMatches(a, null)).isFalse();
    assertThat(DashboardLogins.csrfMatches(a, "")).isFalse();
  }

  @Test
  void outstandingTokensAreBounded_andExpiredOnesMakeRoom() {
    DashboardLogins l = logins();
    for (int i = 0; i < DashboardLogins.MAX_TOKENS; i++) {
      l.issue(Optional.of(ALICE));
    }
    assertThatThrownBy(() -> l.issue(Optional.of(ALICE))).isInstanceOf(ResourceExhaustedException.class);
    clock.advance(DashboardLogins.TOKEN_TTL.plus(Duration.ofSeconds(1)));
    assertThat(token(l.issue(Optional.of(ALICE)))).isNotEmpty();
  }

}
