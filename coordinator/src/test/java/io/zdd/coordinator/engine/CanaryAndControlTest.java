package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.ConflictException;
import io.zdd.common.error.PreconditionException;
import io.zdd.coordinator.engine.fakes.FakeMarathon;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Canary hold (--new-instances), complete-cur, complete-prev, resume, pause/promote/abort. */
class CanaryAndControlTest {

  @Test
  void canaryOfTwoInTen_holdsEightOldTwoNewWithoutDeadWait() throws Exception {
    Harness h = new Harness();
    h.seedBlue(10);
    Deployment d = h.start(Harness.appJson(10), Harness.options().newInstances(2).build());
    Tick t = h.run(d);

    assertThat(t.kind()).isEqualTo(Tick.Kind.HELD);
    assertThat(d.record().traffic().awaitingPromote()).isTrue();
    // zdd.py's hybrid: POST green 1 -> kill 1, PUT 2 -> kill 1; then hold (no max-wait burnt).
    assertThat(h.writes()).containsExactly(
        "POST /web-green 1", "KILL /web-blue [web-blue.0001]", "PUT /web-green 2", "KILL /web-blue [web-blue.0002]");
    assertThat(h.marathon.app("/web-blue").orElseThrow().instances).isEqualTo(8);
    assertThat(h.marathon.app("/web-green").orElseThrow().json.path("labels").path("HAPROXY_DEPLOYMENT_NEW_INSTANCES")
        .asText()).isEqualTo("2");
    assertThat(h.clock.instant()).isBefore(Instant.parse("2026-11-26T05:02:00Z"));
    assertThat(h.events(EventKind.WAITING_FOR_PROMOTE)).hasSize(1);
    assertThat(h.events(EventKind.WAITING_FOR_PROMOTE).get(0).traffic())
        .contains(new TrafficShare(io.zdd.common.model.Colour.GREEN, 20.0));
  }

  @Test
  void heldCanaryThenPromote_completesLikeCompleteCur() throws Exception {
    Harness h = new Harness();
    h.seedBlue(10);
    Deployment d = h.start(Harness.appJson(10), Harness.options().newInstances(2).build());
    h.run(d);
    d.promote();
    Tick t = h.run(d);

    assertThat(t.kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.marathon.appIds()).containsExactly("/web-green");
    assertThat(h.marathon.app("/web-green").orElseThrow().instances).isEqualTo(10);
    assertThat(h.writes()).endsWith("DELETE /web-blue");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void groupLeftAsCanaryByZddPy_completeCurFinishesNewest() throws Exception {
    Harness h = new Harness();
    h.seedApp("blue", 8, 10000, "2026-11-25T10:00:00.000001");
    FakeMarathon.App green = h.seedApp("green", 2, 10001, "2026-11-25T11:00:00.000001");
    green.json.with("labels").put("HAPROXY_DEPLOYMENT_NEW_INSTANCES", "2").put("HAPROXY_DEPLOYMENT_TARGET_INSTANCES", "10");
    h.marathon.app("/web-blue").orElseThrow().json.with("labels").put("HAPROXY_DEPLOYMENT_TARGET_INSTANCES", "10");

    assertThatThrownBy(() -> h.start(Harness.appJson(10), Harness.options().build()))
        .isInstanceOf(ConflictException.class).hasMessageContaining("--complete-cur");
    assertThat(h.writes()).isEmpty();

    Deployment d = h.start(Harness.appJson(10), Harness.options().completeCur(true).build());
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(h.marathon.appIds()).containsExactly("/web-green");
    assertThat(h.marathon.app("/web-green").orElseThrow().instances).isEqualTo(10);
    assertThat(h.writes()).doesNotContain("POST /web-green 1").endsWith("DELETE /web-blue");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void groupLeftAsCanary_completePrevRestoresPreviousAndDeletesNewest() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedApp("blue", 8, 10000, "2026-11-25T10:00:00.000001");
    blue.json.with("labels").put("HAPROXY_DEPLOYMENT_TARGET_INSTANCES", "10");
    FakeMarathon.App green = h.seedApp("green", 2, 10001, "2026-11-25T11:00:00Z");
    green.json.with("labels").put("HAPROXY_DEPLOYMENT_NEW_INSTANCES", "2").put("HAPROXY_DEPLOYMENT_TARGET_INSTANCES", "10");

    Deployment d = h.start(Harness.appJson(10), Harness.options().completePrev(true).build());
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(d.record().greenAppId()).isEqualTo("/web-blue");
    assertThat(h.writes()).containsExactly("PUT /web-blue 10", "DELETE /web-green");
    assertThat(h.marathon.appIds()).containsExactly("/web-blue");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void completeCurOnOneApp_isRefusedAndChangesNothing() {
    Harness h = new Harness();
    h.seedBlue(3);
    assertThatThrownBy(() -> h.start(Harness.appJson(3), Harness.options().completeCur(true).build()))
        .hasMessageContaining("options.complete_cur");
    assertThat(h.writes()).isEmpty();
    assertThat(h.store.saves()).isEmpty();
  }

  @Test
  void heldCanaryThenAbort_restoresBlueCountAndDeletesGreen() throws Exception {
    Harness h = new Harness();
    h.seedBlue(10);
    Deployment d = h.start(Harness.appJson(10), Harness.options().newInstances(2).build());
    h.run(d);
    d.abort();
    h.run(d);

    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(h.marathon.appIds()).containsExactly("/web-blue");
    assertThat(h.marathon.app("/web-blue").orElseThrow().instances).isEqualTo(10);
    // Blue is scaled back before traffic moves; green is deleted only after it drained everywhere.
    assertThat(h.writes()).endsWith("PUT /web-blue 10", "DELETE /web-green");
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void pauseThenResume_holdsAndContinues() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    d.tick();
    d.pause();
    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.HELD);
    int writes = h.writes().size();
    h.clock.advance(Duration.ofMinutes(30));
    assertThat(d.tick().kind()).isEqualTo(Tick.Kind.HELD);
    assertThat(h.writes()).hasSize(writes);
    d.resume();
    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.DONE);
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
  }

  @Test
  void promoteWhenNothingHeld_isRefused() {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    assertThatThrownBy(d::promote).isInstanceOf(PreconditionException.class);
  }

  @Test
  void secondDeploymentOfARunningGroup_isAConflictAndChangesNothing() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    d.tick();
    d.tick();
    int writes = h.writes().size();
    assertThatThrownBy(() -> h.start(Harness.appJson(3), Harness.options().build()))
        .isInstanceOf(ConflictException.class).hasMessageContaining(d.id());
    assertThat(h.writes()).hasSize(writes);
  }

  @Test
  void groupLeftMidCanary_resumeCarriesOnAndHoldsAtTheLabelledCanary() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedApp("blue", 10, 10000, "2026-11-25T10:00:00.000001");
    blue.json.with("labels").put("HAPROXY_DEPLOYMENT_TARGET_INSTANCES", "10");
    FakeMarathon.App green = h.seedApp("green", 1, 10001, "2026-11-25T11:00:00Z");
    green.json.with("labels").put("HAPROXY_DEPLOYMENT_NEW_INSTANCES", "2").put("HAPROXY_DEPLOYMENT_TARGET_INSTANCES", "10");

    Deployment d = h.start(Harness.appJson(10), Harness.options().resume(true).build());
    assertThat(h.run(d).kind()).isEqualTo(Tick.Kind.HELD);
    assertThat(h.marathon.app("/web-green").orElseThrow().instances).isEqualTo(2);
    assertThat(h.marathon.app("/web-blue").orElseThrow().instances).isEqualTo(8);
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void abortAfterCompleteCurKilledSomeOld_restoresTheOldAppToItsCountAtTheStart() throws Exception {
    Harness h = new Harness();
    FakeMarathon.App blue = h.seedApp("blue", 8, 10000, "2026-11-25T10:00:00.000001");
    blue.json.with("labels").put("HAPROXY_DEPLOYMENT_TARGET_INSTANCES", "10");
    FakeMarathon.App green = h.seedApp("green", 2, 10001, "2026-11-25T11:00:00Z");
    green.json.with("labels").put("HAPROXY_DEPLOYMENT_NEW_INSTANCES", "2").put("HAPROXY_DEPLOYMENT_TARGET_INSTANCES", "10");
    Deployment d = h.start(Harness.appJson(10), Harness.options().completeCur(true).build());
    while (h.marathon.killedTaskIds().isEmpty()) {
      Tick t = d.tick();
      if (t.kind() == Tick.Kind.WAIT) {
        h.clock.advance(t.delay());
      }
    }
    d.abort();
    h.run(d);
    assertThat(d.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    assertThat(h.marathon.app("/web-blue").orElseThrow().instances).isEqualTo(8);
    assertThat(h.marathon.appIds()).containsExactly("/web-blue");
    assertThat(h.allViolations()).isEmpty();
  }
}
