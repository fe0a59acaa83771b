package io.zdd.coordinator.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.common.error.InvalidInputException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The operators' analysis file and the ZDD_ANALYSIS_* labels: what they mean, and every error named by its field. */
class AnalysisFileTest {
  static final String FILE = """
      {"templates": [{"name": "web", "interval": "15s", "count": 2, "failureLimit": 1, "inconclusiveLimit": 0,
                      "onFailure": "pause",
                      "checks": [{"name": "green-5xx", "lb": {"metric": "5xx_ratio", "max": 0.01, "minRequests": 200}},
                                 {"name": "latency", "lb": {"metric": "avg_response_ms", "maxFactorOfBlue": 1.5}},
                                 {"name": "errors", "prometheus": {"query": "sum(rate(x{app=\\"{{app}}\\"}[1m]))", "max": 0.05}}],
                      "webhooks": [{"name": "qa", "type": "confirm-promotion", "url": "https://qa.example/ok", "timeout": "3s"}]},
                     {"name": "minimal", "checks": [{"name": "c", "lb": {"metric": "failure_ratio", "max": 0.02}}]}],
       "notifications": [{"url": "https://hooks.example/T1"}]}
      """;

  @Test
  void aFullFile_parsesIntoTemplatesWithDefaults() {
    AnalysisFile f = AnalysisFile.parse(FILE);
    AnalysisTemplate web = f.template("web").orElseThrow();
    assertThat(web.interval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(web.count()).isEqualTo(2);
    assertThat(web.onFailure()).isEqualTo(OnFailure.PAUSE);
    assertThat(web.lbChecks()).extracting(LbCheck::name).containsExactly("green-5xx", "latency");
    assertThat(web.lbChecks().get(0).minRequests()).isEqualTo(200);
    assertThat(web.promChecks()).extracting(PromCheck::name).containsExactly("errors");
    assertThat(web.hooks(HookType.CONFIRM_PROMOTION)).singleElement()
        .satisfies(h -> assertThat(h.timeout()).isEqualTo(Duration.ofSeconds(3)));
    assertThat(web.describe()).anyMatch(l -> l.contains("green-5xx") && l.contains("1.00%"));
    AnalysisTemplate minimal = f.template("minimal").orElseThrow();
    assertThat(minimal.interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(minimal.count()).isEqualTo(3);
    assertThat(minimal.onFailure()).isEqualTo(OnFailure.ROLLBACK);
    assertThat(f.notifications()).hasSize(1);
  }

  @Test
  void errors_nameTheirField() {
    assertRefused("{\"templates\": [{\"name\": \"t\", \"checks\": [{\"name\": \"c\", \"lb\": {\"metric\": \"5xx\", \"max\": 1}}]}]}",
        "templates.t.checks.c.lb.metric");
    assertRefused("{\"templates\": [{\"name\": \"t\", \"count\": 0, \"checks\": [{\"name\": \"c\", \"lb\": {\"metric\": "
        + "\"5xx_ratio\", \"max\": 1}}]}]}", "templates.t.count");
    assertRefused("{\"templates\": [{\"name\": \"t\", \"checks\": []}]}", "templates.t.checks");
    assertRefused("{\"templates\": [{\"name\": \"t\", \"typo\": 1}]}", "templates.t.typo");
    assertRefused("{\"templates\": [{\"name\": \"t\", \"checks\": [{\"name\": \"c\", \"lb\": {\"metric\": \"5xx_ratio\"}}]}]}",
        "checks.c");
    assertRefused("{\"templates\": [{\"name\": \"../x\"}]}", "templates.name");
    assertRefused("not json", "analysis_file");
  }

  private static void assertRefused(String json, String field) {
    assertThatThrownBy(() -> AnalysisFile.parse(json)).isInstanceOf(InvalidInputException.class).hasMessageContaining(field);
  }

  @Test
  void labels_makeAnLbOnlyTemplate_orNameOne_butNotBoth() throws Exception {
    ObjectMapper m = new ObjectMapper();
    AnalysisFile file = AnalysisFile.parse(FILE);
    AnalysisTemplate fromLabels = AnalysisChoice.resolve(Optional.empty(), m.readTree(
        "{\"ZDD_ANALYSIS_MAX_5XX_RATIO\": \"0.01\", \"ZDD_ANALYSIS_INTERVAL\": \"5s\", \"ZDD_ANALYSIS_COUNT\": \"2\"}"), file)
        .orElseThrow();
    assertThat(fromLabels.name()).isEqualTo(AnalysisChoice.LABELS);
    assertThat(fromLabels.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(fromLabels.lbChecks()).singleElement().satisfies(c -> {
      assertThat(c.max()).isEqualTo(0.01);
      assertThat(c.minRequests()).isEqualTo(200);
    });
    assertThat(AnalysisChoice.resolve(Optional.empty(), m.readTree("{\"ZDD_ANALYSIS_TEMPLATE\": \"web\"}"), file)
        .orElseThrow().name()).isEqualTo("web");
    assertThat(AnalysisChoice.resolve(Optional.of("minimal"), m.readTree("{\"ZDD_ANALYSIS_TEMPLATE\": \"web\"}"), file)
        .orElseThrow().name()).isEqualTo("minimal");
    assertThat(AnalysisChoice.resolve(Optional.empty(), m.readTree("{\"HAPROXY_GROUP\": \"external\"}"), file)).isEmpty();
    assertThatThrownBy(() -> AnalysisChoice.resolve(Optional.of("nope"), m.readTree("{}"), file))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("options.analysis").hasMessageContaining("web");
    assertThatThrownBy(() -> AnalysisChoice.resolve(Optional.empty(), m.readTree(
        "{\"ZDD_ANALYSIS_TEMPLATE\": \"web\", \"ZDD_ANALYSIS_MAX_5XX_RATIO\": \"0.01\"}"), file))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("labels.ZDD_ANALYSIS_MAX_5XX_RATIO");
    assertThatThrownBy(() -> AnalysisChoice.resolve(Optional.empty(), m.readTree("{\"ZDD_ANALYSIS_MAX_5XX\": \"0.01\"}"), file))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("labels.ZDD_ANALYSIS_MAX_5XX");
    assertThatThrownBy(() -> AnalysisChoice.resolve(Optional.empty(), m.readTree("{\"ZDD_ANALYSIS_MAX_5XX_RATIO\": \"lots\"}"),
        file)).isInstanceOf(InvalidInputException.class).hasMessageContaining("must be a number");
  }
}
