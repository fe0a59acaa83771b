package io.zdd.deploy.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.InvalidInputException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The timeline's JSON: a lossless round trip, the summary's field names, and errors naming the field. */
class TimelineJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void roundTripKeepsEverythingAndItsOrder(@TempDir Path dir) throws Exception {
    DemoTimeline t = SyntheticTimeline.demo(3);
    Path file = dir.resolve("timeline.json");
    TimelineJson.write(t, file);
    DemoTimeline back = TimelineJson.read(file);
    assertThat(back).isEqualTo(t);
    assertThat(back.samples().get(30).connections().get("lb-2").keySet())
        .containsExactlyElementsOf(t.samples().get(30).connections().get("lb-2").keySet());
    assertThat(back.samples().get(0).trafficShare().keySet()).containsExactly("blue", "green");
  }

  @Test
  void summaryFieldsAreSnakeCaseLikeTheDemoJson() throws Exception {
    JsonNode root = JSON.readTree(TimelineJson.write(SyntheticTimeline.demo(0)));
    assertThat(root.path("totals").fieldNames()).toIterable().containsExactly("requests", "failed_requests", "canary_failures",
        "requests_per_s");
    JsonNode d = root.path("deployments").get(0);
    assertThat(d.fieldNames()).toIterable().containsExactly("name", "outcome", "expected", "duration_s", "drain_s");
    assertThat(d.path("drain_s").path("lb-3").asDouble()).isEqualTo(9.1);
    assertThat(root.path("samples").get(0).fieldNames()).toIterable()
        .containsExactly("t", "requests_ok", "requests_failed", "traffic_share", "connections");
    assertThat(root.path("started_at").asText()).isEqualTo("2026-11-26T05:00:00Z");
  }

  @Test
  void badInputNamesTheField() throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(TimelineJson.write(SyntheticTimeline.demo(0)));
    ObjectNode bad = root.deepCopy();
    ((ObjectNode) bad.path("samples").get(4)).put("requests_ok", "many");
    assertField(bad, "samples[4].requests_ok");

    bad = root.deepCopy();
    ((ObjectNode) bad.path("samples").get(2)).put("t", 1.0);
    assertField(bad, "samples[2].t");

    bad = root.deepCopy();
    ((ObjectNode) bad.path("samples").get(0).path("traffic_share")).put("green", 140.0);
    assertField(bad, "traffic_share.green");

    bad = root.deepCopy();
    bad.remove("totals");
    assertField(bad, "totals");

    bad = root.deepCopy();
    bad.put("started_at", "yesterday");
    assertField(bad, "started_at");

    assertThatThrownBy(() -> TimelineJson.read("{not json"))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("timeline:");
  }

  @Test
  void totalsCannotHaveMoreFailuresThanRequests() {
    assertThatThrownBy(() -> new DemoTimeline.Totals(5, 6, 1))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("failed_requests");
    assertThatThrownBy(() -> new DemoTimeline.DeploymentSummary("d", "succeeded", 1, Map.of("lb-1", -2.0)))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("deployments.drain_s.lb-1:");
    assertThatThrownBy(() -> new DemoTimeline("t", Instant.EPOCH, List.of(), List.of(
        new DemoTimeline.PhaseMarker(5, "d", "A"), new DemoTimeline.PhaseMarker(4, "d", "B")), List.of(),
        new DemoTimeline.Totals(0, 0, 0)))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("markers[1].t:");
  }

  private static void assertField(ObjectNode json, String field) {
    assertThatThrownBy(() -> TimelineJson.read(json.toString()))
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(field));
  }
}
