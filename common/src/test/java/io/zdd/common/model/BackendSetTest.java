package io.zdd.common.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The content digest a coordinator stores to send a new version only when a set changes. */
class BackendSetTest {
  private static BackendSet set(long version, int weight) {
    return new BackendSet(GroupName.of("web"), version, 10000, ProxyMode.HTTP, "roundrobin",
        Optional.of(new HealthCheck("/health", 2000, 2, 3)),
        List.of(new BackendServer("s1", "10.0.0.1", 31000, weight, AdminState.READY, Colour.BLUE, "web.1")),
        List.of(new ColourFrontend(Colour.BLUE, 10001)));
  }

  @Test
  void digest_ignoresTheVersion_andSeesEveryContentChange() {
    assertThat(set(1, 10).contentDigest()).isEqualTo(set(7, 10).contentDigest()).hasSize(64);
    assertThat(set(1, 10).contentDigest()).isNotEqualTo(set(1, 11).contentDigest());
    assertThat(set(1, 10).withVersion(9)).isEqualTo(set(9, 10));
  }
}
