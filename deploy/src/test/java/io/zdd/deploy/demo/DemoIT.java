package io.zdd.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.deploy.report.DemoTimeline;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In short: the demo on 3 LB hosts and 3 coordinators with 2
 * instances per version, at more than 1,000 requests/s through the LBs: every deployment
 * succeeds, no request fails, and the JSON summary has the documented fields.
 */
class DemoIT {
  @TempDir Path work;

  @Test
  void shortDemo_threeLbs_noFailedRequest_atMoreThan1000RequestsPerSecond() throws Exception {
    StringWriter live = new StringWriter();
    DemoRun run = new DemoRun(new DemoRun.Settings(work, 3, 3, 2, 1300, false, true, Duration.ofSeconds(2)),
        new PrintWriter(live, true));
    DemoRun.Result r = run.run();
    try {
      DemoTimeline t = r.timeline();
      assertThat(t.deployments()).extracting(DemoTimeline.DeploymentSummary::outcome)
          .as(live.toString()).containsExactly("succeeded", "succeeded", "succeeded", "rolled_back");
      // The only failed requests are errors the deliberately bad v4 answered itself, before zdd
      // rolled it back by itself (its canary analysis saw them on every LB).
      assertThat(t.totals().otherFailures()).as(live.toString()).isZero();
      assertThat(t.totals().canaryFailures()).isEqualTo(t.totals().failedRequests()).isPositive();
      assertThat(t.analysis()).anyMatch(a -> a.deployment().startsWith("v4") && a.message().contains("failed")
          && a.checks().stream().anyMatch(c -> c.startsWith("fail ")));
      assertThat(r.zeroFailures()).isTrue();
      assertThat(t.totals().requestsPerS()).as("load rate").isGreaterThanOrEqualTo(1000);
      assertThat(Files.readString(r.report())).contains("<svg").contains("<h2>Canary analysis</h2>")
          .contains("rolled_back (as expected)");

      JsonNode summary = new ObjectMapper().readTree(DemoMain.summaryJson(t, r.report(), DemoMain.dashboardUrl(r.cluster())));
      // The summary links the leader's dashboard, and it answers with the page.
      String dashboard = summary.path("dashboard").asText();
      assertThat(dashboard).startsWith("http://127.0.0.1:");
      HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(dashboard)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>zdd dashboard</title>");
      assertThat(summary.get("requests").asLong()).isEqualTo(t.totals().requests());
      assertThat(summary.get("failed_requests").asLong()).isZero();
      assertThat(summary.get("bad_canary_errors").asLong()).isEqualTo(t.totals().canaryFailures());
      assertThat(summary.get("deployments")).hasSize(4);
      for (JsonNode d : summary.get("deployments")) {
        assertThat(d.get("outcome").asText()).isEqualTo(d.get("expected").asText());
        assertThat(d.get("duration_s").asDouble()).isPositive();
        assertThat(d.get("drain_s").isObject()).isTrue();
      }
      // Blue/green and canary drained old servers on every LB.
      assertThat(summary.get("deployments").get(1).get("drain_s").size()).isEqualTo(3);
    } finally {
      r.cluster().close();
    }
  }
}
