package io.zdd.deploy.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class AppDefinitionsTest {
  private static JsonNode json(String text) throws Exception {
    return MarathonClient.JSON.readTree(text.replace('\'', '"'));
  }

  private static JsonNode details(Throwable e) {
    return ((MarathonApiException) e).body().get("details");
  }

  @Test
  void fillsMarathonDefaults() throws Exception {
    ObjectNode app = AppDefinitions.normalize(json("{'id':'web','cmd':'sleep 1'}"));

    assertThat(app.get("id").asText()).isEqualTo("/web");
    assertThat(app.get("instances").asInt()).isEqualTo(1);
    assertThat(app.get("portDefinitions")).hasSize(1);
    assertThat(app.get("portDefinitions").get(0).get("port").asInt()).isZero();
    assertThat(app.get("upgradeStrategy").get("minimumHealthCapacity").asDouble()).isEqualTo(1.0);
    assertThat(app.get("networks").get(0).get("mode").asText()).isEqualTo("host");
    assertThat(app.get("container").isNull()).isTrue();
  }

  @Test
  void healthCheckDefaultsAreMarathons() throws Exception {
    ObjectNode app = AppDefinitions.normalize(json("{'id':'/a','cmd':'x','healthChecks':[{'protocol':'HTTP'}]}"));
    JsonNode check = app.get("healthChecks").get(0);

    assertThat(check.get("path").asText()).isEqualTo("/");
    assertThat(check.get("portIndex").asInt()).isZero();
    assertThat(check.get("gracePeriodSeconds").asInt()).isEqualTo(300);
    assertThat(check.get("intervalSeconds").asInt()).isEqualTo(60);
    assertThat(check.get("timeoutSeconds").asInt()).isEqualTo(20);
    assertThat(check.get("maxConsecutiveFailures").asInt()).isEqualTo(3);
  }

  @Test
  void dockerBridgeAppKeepsItsPortMappingsAndReportsBridgeNetwork() throws Exception {
    ObjectNode app = AppDefinitions.normalize(json(LocalMarathonFixture.fixture("1-nginx.json")));

    assertThat(AppDefinitions.portMappings(app)).hasSize(1);
    assertThat(AppDefinitions.portMappings(app).get(0).get("servicePort").asInt()).isEqualTo(10000);
    assertThat(AppDefinitions.portMappings(app).get(0).get("protocol").asText()).isEqualTo("tcp");
    assertThat(app.get("networks").get(0).get("mode").asText()).isEqualTo("container/bridge");
    assertThat(app.get("container").get("docker").get("privileged").asBoolean()).isFalse();
    assertThat(AppDefinitions.portCount(app)).isEqualTo(1);
  }

  @Test
  void reportsEveryBadFieldWithMarathonPaths() throws Exception {
    assertThatThrownBy(() -> AppDefinitions.normalize(json(
        "{'id':'Bad_Id','instances':-1,'mem':'lots','healthChecks':[{'protocol':'SMOKE','portIndex':3}]}")))
        .isInstanceOfSatisfying(MarathonApiException.class, e -> assertThat(e.status()).isEqualTo(422))
        .satisfies(e -> {
          JsonNode details = details(e);
          assertThat(details.findValuesAsText("path"))
              .contains("/id", "/instances", "/mem", "/", "/healthChecks(0)/protocol", "/healthChecks(0)");
          assertThat(MarathonClient.JSON.writeValueAsString(details)).contains("error.expected.jsnumber", "got -1, expected 0 or more");
        });
  }

  @Test
  void missingIdIsErrorPathMissing() throws Exception {
    assertThatThrownBy(() -> AppDefinitions.normalize(json("{'cmd':'x'}")))
        .satisfies(e -> assertThat(details(e).get(0).get("path").asText()).isEqualTo("/id"))
        .satisfies(e -> assertThat(details(e).get(0).get("errors").get(0).asText()).isEqualTo("error.path.missing"));
  }

  @Test
  void legacyPortsBecomePortDefinitions() throws Exception {
    ObjectNode app = AppDefinitions.normalize(json("{'id':'/a','cmd':'x','ports':[0,10005]}"));

    assertThat(app.get("portDefinitions").findValuesAsText("port")).containsExactly("0", "10005");
  }

  @Test
  void partialUpdateReplacesOnlyGivenFields() throws Exception {
    ObjectNode stored = AppDefinitions.normalize(json("{'id':'/a','cmd':'x','instances':2,'labels':{'k':'v'}}"));
    ObjectNode merged = AppDefinitions.merge(stored, (ObjectNode) json("{'instances':5,'version':'ignored'}"));

    assertThat(merged.get("instances").asInt()).isEqualTo(5);
    assertThat(merged.get("labels").get("k").asText()).isEqualTo("v");
    assertThat(merged.get("cmd").asText()).isEqualTo("x");
    assertThat(merged.has("version")).isFalse();
  }
}
