package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.PreconditionException;
import io.zdd.coordinator.engine.fakes.FakeFleet;
import io.zdd.coordinator.engine.fakes.FakeMarathon;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which LBs a deployment commands: those whose Marathon-LB groups serve the app's
 * {@code HAPROXY_GROUP} (marathon-lb's rule), plus any LB still holding the group's servers,
 * whose connections then count for every drain. The harness fails any kill of a task some LB
 * that was told about it had not reported drained.
 */
class LbMembershipTest {

  @Test
  void onlyTheLbsOfTheAppsGroupGetItsSets() throws Exception {
    Harness h = new Harness("lb1", "lb2", "lb3");
    h.fleet.agent("lb3").lbGroups = Set.of("internal");
    h.seedBlue(2);

    Deployment d = h.start(Harness.appJson(2), Harness.options().build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.fleet.calls()).anyMatch(c -> c.startsWith("lb1 apply")).anyMatch(c -> c.startsWith("lb2 apply"))
        .noneMatch(c -> c.startsWith("lb3"));
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void anAppWhoseGroupNoLbServes_isRefusedNamingTheGroups_andNothingChanges() {
    Harness h = new Harness("lb1");
    h.fleet.agent("lb1").lbGroups = Set.of("internal");
    h.seedBlue(2);

    assertThatThrownBy(() -> h.start(Harness.appJson(2), Harness.options().build()))
        .isInstanceOf(PreconditionException.class)
        .hasMessageContaining("[external]").hasMessageContaining("/web");
    assertThat(h.writes()).isEmpty();
    assertThat(h.fleet.calls()).isEmpty();
  }

  @Test
  void anLbThatLeftTheGroupButStillHoldsItsServers_isDrainedThroughBeforeAnyKill() throws Exception {
    Harness h = new Harness();
    h.seedBlue(2);
    h.run(h.start(Harness.appJson(2), Harness.options().build()));
    // lb2 is moved to another Marathon-LB group, but still routes to the live (green) tasks,
    // one of which keeps a session open there.
    h.fleet.agent("lb2").lbGroups = Set.of("internal");
    FakeMarathon.App live = h.marathon.app("/web-green").orElseThrow();
    FakeMarathon.Task task = DrainPolicyTest.lingerOnLb2(h, live, null);

    Deployment d = h.start(Harness.appJson(2), Harness.options().build());
    Tick t = h.runFor(d, Duration.ofMinutes(3));

    assertThat(t.kind()).isEqualTo(Tick.Kind.WAIT);
    assertThat(h.marathon.killedTaskIds()).doesNotContain(task.id);
    h.fleet.agent("lb2").connections = (s, now) -> new FakeFleet.Conns(0, 0);
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.marathon.killedTaskIds()).contains(task.id);
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void greenIsPostedWithTheGroupsInZddsOwnLabel_soMarathonLbLeavesItAlone() throws Exception {
    Harness h = new Harness();
    h.seedBlue(2);
    String json = Harness.appJson(2).replace("\"HAPROXY_GROUP\": \"external\"",
        "\"HAPROXY_GROUP\": \"external,internal\", \"HAPROXY_0_GROUP\": \"external\"");
    h.run(h.start(json, Harness.options().build()));

    ObjectNode labels = (ObjectNode) h.marathon.app("/web-green").orElseThrow().json.get("labels");
    assertThat(labels.has("HAPROXY_GROUP")).isFalse();
    assertThat(labels.has("HAPROXY_0_GROUP")).isFalse();
    assertThat(labels.get("ZDD_LB_GROUP").asText()).isEqualTo("external,internal");
    assertThat(LbGroups.of(Map.of("ZDD_LB_GROUP", "external,internal")).servedBy(Set.of("internal"))).isTrue();
  }

  @Test
  void marathonLbsRule() {
    LbGroups ext = LbGroups.parse("l", "external");
    assertThat(ext.servedBy(Set.of("external"))).isTrue();
    assertThat(ext.servedBy(Set.of("internal", "external"))).isTrue();
    assertThat(ext.servedBy(Set.of("internal"))).isFalse();
    assertThat(ext.servedBy(Set.of("*"))).isTrue();
    assertThat(LbGroups.NONE.servedBy(Set.of("external"))).isFalse();
    assertThat(LbGroups.NONE.servedBy(Set.of("*"))).isTrue();
    assertThat(LbGroups.of(Map.of("HAPROXY_GROUP", " external , internal,"))).isEqualTo(
        new LbGroups(Set.of("external", "internal")));
    assertThatThrownBy(() -> LbGroups.parse("labels.HAPROXY_GROUP", "ext ernal"))
        .hasMessageStartingWith("labels.HAPROXY_GROUP");
  }
}
