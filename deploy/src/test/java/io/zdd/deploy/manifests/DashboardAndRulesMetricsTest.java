package io.zdd.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard parses, has the panels the operators need, and every PromQL expression in
 * it (and in the alert rules) names only metrics the coordinator or the agent registers; a
 * renamed meter breaks this test instead of silently emptying a panel.
 */
class DashboardAndRulesMetricsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static JsonNode dashboard;
  private static String sources;

  @BeforeAll
  static void load() throws Exception {
    dashboard = JSON.readTree(Files.readString(ManifestFiles.manifests().resolve("grafana/zdd-dashboard.json")));
    sources = ManifestFiles.meterSources();
  }

  /** Panel title → its expressions, rows' nested panels included. */
  static Map<String, List<String>> panelExpressions(JsonNode dash) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    List<JsonNode> panels = new ArrayList<>();
    dash.path("panels").forEach(panels::add);
    dash.path("panels").forEach(p -> p.path("panels").forEach(panels::add));
    for (JsonNode p : panels) {
      if (p.path("type").asText().equals("row")) {
        continue;
      }
      List<String> exprs = new ArrayList<>();
      p.path("targets").forEach(t -> exprs.add(t.path("expr").asText("")));
      out.put(p.path("title").asText(), exprs);
    }
    return out;
  }

  @Test
  void dashboardHasAPanelForEachThingAnOperatorWatches() {
    Map<String, List<String>> panels = panelExpressions(dashboard);
    String all = String.join("\n", panels.values().stream().flatMap(List::stream).toList());
    for (String metric : List.of("zdd_drain_progress_ratio", "zdd_drain_connections", "zdd_deployment_traffic_share",
        "zdd_deployment_phase", "zdd_leader", "zdd_leader_epoch", "zdd_agents_connected", "zdd_agent_reloads_total",
        "zdd_agent_runtime_commands_total")) {
      assertThat(ManifestFiles.metricNames(all)).as("a panel graphs " + metric).contains(metric);
    }
    assertThat(panels.get("Connections on draining servers, by LB")).anySatisfy(e -> assertThat(e).contains("by (group, lb)"));
    panels.forEach((title, exprs) -> {
      assertThat(title).isNotBlank();
      assertThat(exprs).as("panel '%s' has queries", title).isNotEmpty().allSatisfy(e -> assertThat(e).isNotBlank());
    });
  }

  @Test
  void panelIdsAreUniqueAndPanelsUseTheDatasourceVariable() {
    Set<Integer> ids = new HashSet<>();
    dashboard.path("panels").forEach(p -> {
      assertThat(ids.add(p.path("id").asInt())).as("unique panel id %s", p.path("id")).isTrue();
      if (!p.path("type").asText().equals("row")) {
        assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
      }
    });
  }

  @Test
  void everyDashboardExpressionNamesOnlyRegisteredMetrics() {
    List<String> exprs = new ArrayList<>();
    panelExpressions(dashboard).values().forEach(exprs::addAll);
    dashboard.path("templating").path("list").forEach(v -> exprs.add(v.path("definition").asText("")));
    dashboard.path("annotations").path("list").forEach(a -> exprs.add(a.path("expr").asText("")));
    assertOnlyRegistered(exprs);
  }

  @Test
  void everyAlertExpressionNamesOnlyRegisteredMetrics() throws Exception {
    String rules = Files.readString(ManifestFiles.manifests().resolve("prometheus/zdd-alerts.yml"));
    Matcher m = Pattern.compile("(?m)^\\s+expr:\\s*(.+)$").matcher(rules);
    List<String> exprs = new ArrayList<>();
    while (m.find()) {
      exprs.add(m.group(1));
    }
    assertThat(exprs).hasSize(8);
    assertOnlyRegistered(exprs);
  }

  /** The check itself tells a registered name from an invented one. */
  @Test
  void theCheckRejectsAMetricTheCodeDoesNotRegister() {
    assertThat(ManifestFiles.registered(sources, "zdd_agent_reloads_total")).isTrue();
    assertThat(ManifestFiles.registered(sources, "zdd_deployment_duration_seconds_bucket")).isTrue();
    assertThat(ManifestFiles.registered(sources, "zdd_drain_seconds_total")).isFalse();
    assertThat(ManifestFiles.registered(sources, "zdd_leader_total")).isFalse();
  }

  private static void assertOnlyRegistered(List<String> exprs) {
    List<String> unknown = new ArrayList<>();
    int seen = 0;
    for (String e : exprs) {
      for (String name : ManifestFiles.metricNames(e)) {
        seen++;
        if (!ManifestFiles.registered(sources, name)) {
          unknown.add(name + " in: " + e);
        }
      }
    }
    assertThat(seen).as("metric names found").isPositive();
    assertThat(unknown).as("metrics not registered in coordinator or lb-agent sources").isEmpty();
  }
}
