package io.zdd.deploy.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {
  private static final Map<String, String> BLUE = Map.of("HAPROXY_DEPLOYMENT_GROUP", "web", "COLOUR", "blue");
  private static final Map<String, String> PLAIN = Map.of();

  @Test
  void existenceAndAbsence() {
    assertThat(LabelSelector.parse("HAPROXY_DEPLOYMENT_GROUP").test(BLUE)).isTrue();
    assertThat(LabelSelector.parse("HAPROXY_DEPLOYMENT_GROUP").test(PLAIN)).isFalse();
    assertThat(LabelSelector.parse("!HAPROXY_DEPLOYMENT_GROUP").test(PLAIN)).isTrue();
  }

  @Test
  void equalityAndSets() {
    assertThat(LabelSelector.parse("COLOUR==blue").test(BLUE)).isTrue();
    assertThat(LabelSelector.parse("COLOUR!=blue").test(BLUE)).isFalse();
    assertThat(LabelSelector.parse("COLOUR in (green, blue)").test(BLUE)).isTrue();
    assertThat(LabelSelector.parse("COLOUR notin (green, blue)").test(BLUE)).isFalse();
  }

  @Test
  void commaMeansAnd() {
    assertThat(LabelSelector.parse("HAPROXY_DEPLOYMENT_GROUP==web,COLOUR==green").test(BLUE)).isFalse();
    assertThat(LabelSelector.parse("HAPROXY_DEPLOYMENT_GROUP==web,COLOUR in (blue)").test(BLUE)).isTrue();
  }

  @Test
  void malformedTermIsA422NamingIt() {
    assertThatThrownBy(() -> LabelSelector.parse("COLOUR in blue"))
        .isInstanceOfSatisfying(MarathonApiException.class, e -> assertThat(e.status()).isEqualTo(422))
        .hasMessageContaining("COLOUR in blue");
  }
}
