package io.zdd.coordinator.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromQlTemplateTest {
  @Test
  void placeholdersAreReplaced_withValuesEscapedForAPromQlString() {
    PromQlTemplate t = PromQlTemplate.parse("q", "sum(rate(x{app=\"{{app}}\",colour=\"{{ colour }}\"}[1m])) > {{share}}");
    assertThat(t.render(Map.of("app", "/web-green", "colour", "green", "share", "10")))
        .isEqualTo("sum(rate(x{app=\"/web-green\",colour=\"green\"}[1m])) > 10");
    // A quote in a value cannot end the string and add a matcher of its own.
    assertThat(t.render(Map.of("app", "/a\"} or vector(1) or x{a=\"", "colour", "g\\", "share", "1")))
        .isEqualTo("sum(rate(x{app=\"/a\\\"} or vector(1) or x{a=\\\"\",colour=\"g\\\\\"}[1m])) > 1");
  }

  @Test
  void unknownPlaceholdersAndStrayBraces_areRefusedNamingTheField() {
    assertThatThrownBy(() -> PromQlTemplate.parse("checks.c.prometheus.query", "x{a=\"{{version}}\"}"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("checks.c.prometheus.query")
        .hasMessageContaining("{{version}}");
    assertThatThrownBy(() -> PromQlTemplate.parse("q", "x{a=\"{{app}\"}")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unbalanced");
  }
}
