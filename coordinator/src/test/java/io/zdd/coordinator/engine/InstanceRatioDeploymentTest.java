package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.AdminState;
import io.zdd.common.model.Colour;
import io.zdd.coordinator.engine.fakes.FakeFleet;
import io.zdd.coordinator.engine.fakes.FakeMarathon;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** zdd.py semantics on recording fakes with a fake clock. */
class InstanceRatioDeploymentTest {

  @Test
  void emptyGroup_createsBlueAtFullCountAndSucceedsWithoutDraining() throws Exception {
    Harness h = new Harness();
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    Tick t = h.run(d);

    assertThat(t.kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.writes()).containsExactly("POST /web-blue 3");
    FakeMarathon.App app = h.marathon.app("/web-blue").orElseThrow();
    assertThat(app.json.path("labels").path("HAPROXY_DEPLOYMENT_COLOUR").asText()).isEqualTo("blue");
    assertThat(app.json.path("labels").path("HAPROXY_DEPLOYMENT_NEW_INSTANCES").asText()).isEqualTo("0");
    assertThat(app.json.path("labels").path("HAPROXY_DEPLOYMENT_TARGET_INSTANCES").asText()).isEqualTo("3");
    assertThat(app.json.path("container").path("portMappings").path(0).path("servicePort").asInt()).isEqualTo(10000);
    // Every server reached traffic only after weight 0 and UP on both LBs.
    for (FakeMarathon.Task task : app.tasks) {
      for (FakeFleet.LbAgent lb : h.fleet.all()) {
        assertThat(lb.statesOf(Harness.server(task))).containsExactly("READY/0", "READY/100");
      }
    }
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void threeInstancesBlueToGreen_followsZddPyTrace() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedBlue(3);
    List<FakeMarathon.Task> blueTasks = List.copyOf(blue.tasks);
    Deployment d = h.start(Harness.appJson(5), Harness.options().build());
    Tick t = h.run(d);

    assertThat(t.kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    // zdd.py: POST green 1 -> kill 1 blue, PUT 2 -> kill 1 blue, PUT 3 -> DELETE blue.
    assertThat(h.writes()).containsExactly(
        "POST /web-green 1",
        "KILL /web-blue [web-blue.0001]",
        "PUT /web-green 2",
        "KILL /web-blue [web-blue.0002]",
        "PUT /web-green 3",
        "DELETE /web-blue");
    FakeMarathon.App green = h.marathon.app("/web-green").orElseThrow();
    assertThat(green.instances).isEqualTo(3);
    assertThat(green.json.path("container").path("portMappings").path(0).path("servicePort").asInt()).isEqualTo(10001);
    assertThat(green.json.path("labels").path("HAPROXY_0_PORT").asText()).isEqualTo("10000");
    assertThat(green.json.path("labels").path("HAPROXY_DEPLOYMENT_TARGET_INSTANCES").asText()).isEqualTo("3");
    assertThat(h.marathon.appIds()).containsExactly("/web-green");
    assertThat(h.marathon.killedTaskIds()).containsExactlyInAnyOrder("web-blue.0001", "web-blue.0002", "web-blue.0003");
    assertThat(h.allViolations()).isEmpty();
    // Each blue server went READY -> DRAIN at weight 0 before it disappeared.
    for (FakeMarathon.Task task : blueTasks) {
      assertThat(h.fleet.agent("lb1").statesOf(Harness.server(task))).endsWith("DRAIN/0");
    }
    assertThat(h.events(EventKind.TASKS_KILLED)).hasSize(3);
  }

  @Test
  void tenInstances_followsZddPyTrace() throws Exception {
    Harness h = new Harness();
    h.seedBlue(10);
    Deployment d = h.start(Harness.appJson(10), Harness.options().build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    // zdd.py: POST 1 -> kill t1, PUT 2 -> kill t2, PUT 3 -> kill t3, PUT 5 -> kill t4,t5,
    // PUT 10 (8 >= 7 old: jump to target) -> DELETE blue.
    assertThat(h.writes()).containsExactly(
        "POST /web-green 1",
        "KILL /web-blue [web-blue.0001]", "PUT /web-green 2",
        "KILL /web-blue [web-blue.0002]", "PUT /web-green 3",
        "KILL /web-blue [web-blue.0003]", "PUT /web-green 5",
        "KILL /web-blue [web-blue.0004, web-blue.0005]", "PUT /web-green 10",
        "DELETE /web-blue");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void oneInstance_killsNothingAndDeletesBlueOnceGreenServes() throws Exception {
    Harness h = new Harness();
    h.seedBlue(1);
    Deployment d = h.start(Harness.appJson(1), Harness.options().build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.writes()).containsExactly("POST /web-green 1", "DELETE /web-blue");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void initialInstancesAndLinearIncrease_followZddPyTraces() throws Exception {
    Harness h = new Harness();
    h.seedBlue(10);
    h.run(h.start(Harness.appJson(10), Harness.options().initialInstances(4).build()));
    // zdd.py: POST 4 -> kill 4, PUT 6 -> kill 2, PUT 10 -> DELETE.
    assertThat(h.writes()).containsExactly(
        "POST /web-green 4",
        "KILL /web-blue [web-blue.0001, web-blue.0002, web-blue.0003, web-blue.0004]", "PUT /web-green 6",
        "KILL /web-blue [web-blue.0005, web-blue.0006]", "PUT /web-green 10",
        "DELETE /web-blue");

    Harness l = new Harness();
    l.seedBlue(10);
    l.run(l.start(Harness.appJson(10), Harness.options().linearIncrease(3).build()));
    // 1 -> 4 -> 7 -> 10, killing 1, then 3, then 3, then DELETE.
    assertThat(l.writes()).containsExactly(
        "POST /web-green 1",
        "KILL /web-blue [web-blue.0001]", "PUT /web-green 4",
        "KILL /web-blue [web-blue.0002, web-blue.0003, web-blue.0004]", "PUT /web-green 7",
        "KILL /web-blue [web-blue.0005, web-blue.0006, web-blue.0007]", "PUT /web-green 10",
        "DELETE /web-blue");
    assertThat(h.allViolations()).isEmpty();
    assertThat(l.allViolations()).isEmpty();
  }

  @Test
  void greenLive_nextDeployGoesBackToBlueOnTheOriginalPort() throws Exception {
    Harness h = new Harness();
    h.seedApp("green", 3, 10001, "2026-11-25T10:00:00.000000Z");
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(d.record().greenColour()).isEqualTo(Colour.BLUE);
    FakeMarathon.App blue = h.marathon.app("/web-blue").orElseThrow();
    assertThat(blue.json.path("container").path("portMappings").path(0).path("servicePort").asInt()).isEqualTo(10000);
    assertThat(blue.json.path("labels").path("HAPROXY_DEPLOYMENT_COLOUR").asText()).isEqualTo("blue");
    String startedAt = blue.json.path("labels").path("HAPROXY_DEPLOYMENT_STARTED_AT").asText();
    assertThat(startedAt).endsWith("Z");
    assertThat(Instant.parse(startedAt)).isEqualTo(Instant.parse("2026-11-26T05:00:00Z"));
    assertThat(h.marathon.appIds()).containsExactly("/web-blue");
    assertThat(h.writes()).startsWith("POST /web-blue 1").endsWith("DELETE /web-green");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void partialDrainWithLastScalingBump_neverDrainsGreenAndFinishes() throws Exception {
    // zdd.py's stall: 10 -> 10, one old task holds a session longer than a step. Marathon
    // bumps blue's lastScalingAt on every kill; marathon-lb then swapped roles and drained green.
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedBlue(10);
    FakeMarathon.Task lingeringTask = blue.tasks.get(5);
    String lingering = Harness.server(lingeringTask);
    Instant releaseAt = h.clock.instant().plus(Duration.ofMinutes(3));
    h.fleet.agent("lb2").connections = (s, now) ->
        new FakeFleet.Conns(s.name().equals(lingering) && now.isBefore(releaseAt) ? 1 : 0, 0);
    Deployment d = h.start(Harness.appJson(10), Harness.options().build());
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    FakeMarathon.App green = h.marathon.app("/web-green").orElseThrow();
    assertThat(green.instances).isEqualTo(10);
    for (FakeMarathon.Task t : green.tasks) {
      for (FakeFleet.LbAgent lb : h.fleet.all()) {
        assertThat(lb.statesOf(Harness.server(t))).as("green server on %s", lb.id)
            .allMatch(s -> s.startsWith("READY"));
      }
    }
    // The lingering task was killed only after lb2 reported it idle.
    assertThat(h.allViolations()).isEmpty();
    assertThat(h.fleet.agent("lb2").history.stream().flatMap(s -> s.servers().stream())
        .filter(s -> s.adminState() == AdminState.DRAIN && s.colour() == Colour.GREEN)).isEmpty();
    assertThat(h.marathon.killedTaskIds()).contains(lingeringTask.id);
    // ...and not before the session ended.
    assertThat(h.events(EventKind.FINISHED).get(0).at()).isAfterOrEqualTo(releaseAt);
  }

  @Test
  void everyKill_isPrecededByASaveNamingTheTasks() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    h.run(h.start(Harness.appJson(3), Harness.options().build()));
    List<DeploymentRecord> saves = h.store.saves();
    assertThat(saves).anyMatch(r -> r.phase() == Phase.KILL_BLUE && r.killingTaskIds().contains("web-blue.0001"));
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void events_areNumberedFromOneAndTellThePhasesTrafficDrainAndKills() throws Exception {
    Harness h = new Harness();
    h.seedBlue(2);
    h.run(h.start(Harness.appJson(2), Harness.options().build()));
    List<DeploymentEvent> ev = h.events;
    for (int i = 0; i < ev.size(); i++) {
      assertThat(ev.get(i).sequence()).isEqualTo(i + 1);
    }
    assertThat(ev.get(0).message()).contains("started");
    assertThat(ev).extracting(DeploymentEvent::kind).contains(EventKind.PHASE_CHANGED, EventKind.TRAFFIC_SHIFTED,
        EventKind.DRAIN_PROGRESS, EventKind.TASKS_KILLED, EventKind.MARATHON_CALL, EventKind.FINISHED);
    DeploymentEvent drain = h.events(EventKind.DRAIN_PROGRESS).get(0);
    assertThat(drain.drain()).extracting(p -> p.agent().value()).containsExactly("lb1", "lb2");
    DeploymentEvent last = ev.get(ev.size() - 1);
    assertThat(last.kind()).isEqualTo(EventKind.FINISHED);
    assertThat(last.deployment().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(last.traffic()).contains(new TrafficShare(Colour.GREEN, 100.0));
  }
}
