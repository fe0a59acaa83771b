package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SteadyStateReconcilerTest {
  private final Harness h = new Harness();
  private final SteadyStateReconciler steady = new SteadyStateReconciler(h.ports(), () -> List.of(Harness.GROUP));

  private AppStatus deployed() throws InterruptedException {
    Deployment d = h.start(Harness.appJson(3), Harness.options().build());
    h.run(d);
    assertThat(h.record().outcome()).isEqualTo(Outcome.SUCCEEDED);
    return h.marathon.getApp(h.record().greenAppId());
  }

  private BackendSet applied() {
    return h.fleet.agent("lb1").applied;
  }

  @Test
  void nothingChanged_sendsNothing() throws InterruptedException {
    deployed();
    int before = h.fleet.calls().size();
    assertThat(steady.reconcile(Harness.GROUP)).isFalse();
    assertThat(h.fleet.calls()).hasSize(before);
  }

  @Test
  void replacedTask_isDroppedAndItsReplacementAdmittedBeforeItGetsWeight() throws InterruptedException {
    AppStatus live = deployed();
    TaskStatus victim = live.tasks().get(0);
    String victimServer = ServerNames.of(victim);
    long versionBefore = h.record().backendVersion();

    // Marathon loses a task and starts a replacement (here: a kill with scale, then a scale back).
    h.marathon.killTasksAndScale(live.id(), List.of(victim.id()));
    h.marathon.scaleApp(live.id(), 3);
    assertThat(steady.reconcile(Harness.GROUP)).as("the dead server goes at once").isTrue();
    assertThat(applied().server(victimServer)).isEmpty();
    assertThat(applied().servers()).hasSize(2);

    h.clock.advance(Duration.ofSeconds(15)); // the replacement passes its Marathon health check
    String newServer = h.marathon.getApp(live.id()).tasks().stream()
        .filter(t -> !live.tasks().contains(t)).map(ServerNames::of).findFirst().orElseThrow();
    steady.reconcile(Harness.GROUP);
    assertThat(applied().server(newServer)).map(BackendServer::weight).contains(0);

    steady.reconcile(Harness.GROUP); // every LB reported it UP in the last read-back: now it gets weight
    assertThat(applied().server(newServer)).map(BackendServer::weight).hasValueSatisfying(w -> assertThat(w).isPositive());
    assertThat(h.fleet.agent("lb2").applied.server(newServer)).isPresent();
    assertThat(h.record().backendVersion()).isGreaterThan(versionBefore);
    // The harness's kill checks flag the crash this test staged; the admission rule must hold.
    assertThat(h.fleet.violations).isEmpty();
  }

  @Test
  void afterARollback_theLiveBlueAppIsFollowed() throws InterruptedException {
    h.seedBlue(3);
    h.marathon.neverHealthy("/web-green");
    h.run(h.start(Harness.appJson(3), Harness.options().healthTimeout(Duration.ofSeconds(60)).build()));
    assertThat(h.record().outcome()).isEqualTo(Outcome.ROLLED_BACK);
    AppStatus blue = h.marathon.getApp("/web-blue");
    TaskStatus victim = blue.tasks().get(0);

    h.marathon.killTasksAndScale(blue.id(), List.of(victim.id()));

    assertThat(steady.reconcile(Harness.GROUP)).isTrue();
    assertThat(applied().server(ServerNames.of(victim))).isEmpty();
    assertThat(applied().servers()).hasSize(2).allMatch(s -> s.weight() > 0);
    assertThat(h.fleet.violations).isEmpty();
  }

  @Test
  void groupWithARunningDeployment_isLeftToIt() throws InterruptedException {
    deployed();
    h.start(Harness.appJson(3), Harness.options().build()); // saved in PREFLIGHT, not driven
    int before = h.fleet.calls().size();
    assertThat(steady.reconcile(Harness.GROUP)).isFalse();
    assertThat(h.fleet.calls()).hasSize(before);
    assertThat(h.record().phase()).isEqualTo(Phase.PREFLIGHT);
  }
}
