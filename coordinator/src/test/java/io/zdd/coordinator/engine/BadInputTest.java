package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input is refused naming the field, and nothing is called on Marathon or any LB. */
class BadInputTest {

  private static String withLabels(String labels) {
    com.fasterxml.jackson.databind.node.ObjectNode app = io.zdd.coordinator.engine.fakes.FakeMarathon.parse(Harness.appJson(3));
    try {
      app.set("labels", new com.fasterxml.jackson.databind.ObjectMapper().readTree(labels));
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
    return app.toString();
  }

  static Stream<Arguments> badApps() {
    return Stream.of(
        Arguments.of("not JSON", "{\"id\": \"/web\",", "app_json"),
        Arguments.of("JSON array", "[1,2]", "app_json"),
        Arguments.of("empty", "  ", "app_json"),
        Arguments.of("no id", Harness.appJson(3).replace("\"id\": \"/web\",", ""), "id"),
        Arguments.of("upper-case id", Harness.appJson(3).replace("/web", "/Web"), "id"),
        Arguments.of("negative instances", Harness.appJson(-1), "instances"),
        Arguments.of("no labels", withLabels("null"), "labels"),
        Arguments.of("no group", withLabels("{\"HAPROXY_DEPLOYMENT_ALT_PORT\": \"10001\"}"), "labels.HAPROXY_DEPLOYMENT_GROUP"),
        Arguments.of("bad group", withLabels("{\"HAPROXY_DEPLOYMENT_GROUP\": \"a b\", \"HAPROXY_DEPLOYMENT_ALT_PORT\": \"10001\"}"),
            "labels.HAPROXY_DEPLOYMENT_GROUP"),
        Arguments.of("no alt port", withLabels("{\"HAPROXY_DEPLOYMENT_GROUP\": \"web\"}"), "labels.HAPROXY_DEPLOYMENT_ALT_PORT"),
        Arguments.of("non-numeric alt port",
            withLabels("{\"HAPROXY_DEPLOYMENT_GROUP\": \"web\", \"HAPROXY_DEPLOYMENT_ALT_PORT\": \"ten\"}"),
            "labels.HAPROXY_DEPLOYMENT_ALT_PORT"),
        Arguments.of("alt port out of range",
            withLabels("{\"HAPROXY_DEPLOYMENT_GROUP\": \"web\", \"HAPROXY_DEPLOYMENT_ALT_PORT\": \"70000\"}"),
            "labels.HAPROXY_DEPLOYMENT_ALT_PORT"),
        Arguments.of("alt port = service port",
            withLabels("{\"HAPROXY_DEPLOYMENT_GROUP\": \"web\", \"HAPROXY_DEPLOYMENT_ALT_PORT\": \"10000\"}"),
            "labels.HAPROXY_DEPLOYMENT_ALT_PORT"),
        Arguments.of("numeric label value", withLabels("{\"HAPROXY_DEPLOYMENT_GROUP\": \"web\", \"HAPROXY_DEPLOYMENT_ALT_PORT\": 10001}"),
            "labels.HAPROXY_DEPLOYMENT_ALT_PORT"),
        Arguments.of("bad pending port index label", withLabels("{\"HAPROXY_DEPLOYMENT_GROUP\": \"web\", "
            + "\"HAPROXY_DEPLOYMENT_ALT_PORT\": \"10001\", \"ZDD_PENDING_METRIC_PORT_INDEX\": \"x\"}"),
            "labels.ZDD_PENDING_METRIC_PORT_INDEX"),
        Arguments.of("bad pending metric label", withLabels("{\"HAPROXY_DEPLOYMENT_GROUP\": \"web\", "
            + "\"HAPROXY_DEPLOYMENT_ALT_PORT\": \"10001\", \"ZDD_PENDING_METRIC\": \"not a metric\"}"), "labels.ZDD_PENDING_METRIC"),
        Arguments.of("no service port", Harness.appJson(3).replace(", \"servicePort\": 10000", ""), "servicePort"),
        Arguments.of("service port 0", Harness.appJson(3).replace("\"servicePort\": 10000", "\"servicePort\": 0"),
            "container.portMappings[0].servicePort"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badApps")
  void badAppDefinition_isRefusedNamingTheFieldAndChangesNothing(String what, String json, String field) {
    Harness h = new Harness();
    h.seedBlue(3);
    assertThatThrownBy(() -> h.start(json, Harness.options().build()))
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(field));
    assertThatThrownBy(() -> h.engine().plan(json, Harness.options().build())).isInstanceOf(InvalidInputException.class);
    assertNothingChanged(h);
  }

  static Stream<Arguments> badOptions() {
    return Stream.of(
        Arguments.of(Harness.options().trafficSteps(List.of(50, 25, 100)), "options.traffic_steps[1]"),
        Arguments.of(Harness.options().trafficSteps(List.of(5, 50)), "options.traffic_steps"),
        Arguments.of(Harness.options().trafficSteps(List.of(0, 100)), "options.traffic_steps[0]"),
        Arguments.of(Harness.options().strategy(ShiftStrategy.WEIGHT_STEPS), "options.traffic_steps"),
        Arguments.of(Harness.options().strategy(ShiftStrategy.INSTANCE_RATIO).trafficSteps(List.of(100)), "options.traffic_steps"),
        Arguments.of(Harness.options().trafficSteps(List.of(10, 100)).newInstances(1), "options.new_instances"),
        Arguments.of(Harness.options().initialInstances(0), "options.initial_instances"),
        Arguments.of(Harness.options().linearIncrease(-1), "options.linear_increase"),
        Arguments.of(Harness.options().maxWait(Duration.ZERO), "options.max_wait"),
        Arguments.of(Harness.options().healthTimeout(Duration.ofSeconds(-1)), "options.health_timeout"),
        Arguments.of(Harness.options().completeCur(true).completePrev(true), "options.complete_cur"),
        Arguments.of(Harness.options().strategy(ShiftStrategy.PORT_SWAP), "options.blue_frontend_port"),
        Arguments.of(Harness.options().strategy(ShiftStrategy.PORT_SWAP).swapFrontendPorts(20000, 20000), "options.green_frontend_port"),
        Arguments.of(Harness.options().strategy(ShiftStrategy.PORT_SWAP).swapFrontendPorts(10000, 20000), "options.blue_frontend_port"),
        Arguments.of(Harness.options().pendingMetric("bad metric"), "options.pending_metric"),
        Arguments.of(Harness.options().pendingMetricPath("no-slash"), "options.pending_metric_path"),
        Arguments.of(Harness.options().dryRun(true), "options.dry_run"),
        // Hooks are configuration: a path from the network is refused, and so is an undeclared name.
        Arguments.of(Harness.options().preKillHook("/tmp/evil.sh"), "options.pre_kill_hook"),
        Arguments.of(Harness.options().preKillHook("../../bin/sh"), "options.pre_kill_hook"),
        Arguments.of(Harness.options().preKillHook("not-declared"), "options.pre_kill_hook"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badOptions")
  void badOptions_areRefusedNamingTheOptionAndChangeNothing(DeploymentOptions.Builder options, String field) {
    Harness h = new Harness();
    h.seedBlue(3);
    assertThatThrownBy(() -> h.start(Harness.appJson(3), options.build()))
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(field));
    assertNothingChanged(h);
  }

  @Test
  void lbAgentNotConnected_isRefusedBeforeAnythingChanges() {
    Harness h = new Harness();
    h.seedBlue(3);
    h.fleet.agent("lb2").connected = false;
    assertThatThrownBy(() -> h.start(Harness.appJson(3), Harness.options().build()))
        .isInstanceOf(UnavailableException.class).hasMessageContaining("lb2");
    assertNothingChanged(h);
  }

  @Test
  void noLbServesTheGroup_isRefusedBeforeAnythingChanges() {
    Harness h = Harness.withoutLbs();
    h.seedBlue(3);
    assertThatThrownBy(() -> h.start(Harness.appJson(3), Harness.options().build()))
        .isInstanceOf(PreconditionException.class).hasMessageContaining("no LB agent");
    assertNothingChanged(h);
  }

  private static void assertNothingChanged(Harness h) {
    assertThat(h.writes()).isEmpty();
    assertThat(h.fleet.calls()).isEmpty();
    assertThat(h.fleet.all()).allMatch(a -> a.applied == null);
    assertThat(h.store.saves()).isEmpty();
    assertThat(h.marathon.appIds()).containsExactly("/web-blue");
  }
}
