package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.model.Epoch;
import io.zdd.common.testing.Timing;
import io.zdd.coordinator.engine.fakes.FakeMarathon;
import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.MarathonPort;
import io.zdd.coordinator.marathon.MarathonEvent;
import io.zdd.coordinator.service.DeploymentSupervisor;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A deployment waiting for green's tasks to turn healthy acts on the Marathon event that says so,
 * not on its next step: with a step delay of an hour, green is admitted right after the event.
 * Events about other apps wake nothing.
 */
class MarathonWakeTest {
  private final Harness h = new Harness();
  /** Ticks of the leader that read green from Marathon (each tick of SCALE_GREEN reads it once). */
  private final AtomicInteger greenReads = new AtomicInteger();
  private DeploymentSupervisor leader;
  private String greenAppId;

  @BeforeEach
  void deploymentWaitingForGreenHealth() {
    h.seedBlue(1);
    Deployment d = h.start(Harness.appJson(1), Harness.options().stepDelay(Duration.ofHours(1))
        .healthTimeout(Duration.ofHours(10)).build());
    greenAppId = h.record().greenAppId();
    // Up to green's health wait on the fake clock; green stays unhealthy until the test says so.
    while (true) {
      h.marathon.app(greenAppId).ifPresent(app -> {
        if (app.healthyAfter == null) {
          app.healthyAfter = Duration.ofDays(365);
        }
      });
      Tick t = d.tick();
      if (t.kind() == Tick.Kind.WAIT && t.reason().contains("healthy in Marathon")) {
        break;
      }
      assertThat(t.kind()).as(t.reason()).isIn(Tick.Kind.WAIT, Tick.Kind.CONTINUE);
      if (t.kind() == Tick.Kind.WAIT) {
        h.clock.advance(t.delay());
      }
    }
    assertThat(h.record().phase()).isEqualTo(Phase.SCALE_GREEN);
    // A new leader takes over on real time; its first tick finds green still unhealthy.
    h.epoch++;
    EnginePorts p = h.ports();
    EnginePorts counting = new EnginePorts(new CountingMarathon(h.marathon), p.fleet(), p.store(), p.pendingProbe(),
        p.preKillHook(), p.events(), p.clock(), p.epoch());
    leader = new DeploymentSupervisor(Epoch.of(h.epoch), new DeploymentEngine(counting, () -> "d-leader"));
    leader.resumeAll(List.of(Harness.GROUP));
    await().atMost(Timing.seconds(10)).until(() -> greenReads.get() >= 1);
  }

  @AfterEach
  void closeLeader() {
    if (leader != null) {
      leader.close();
    }
  }

  @Test
  void aHealthEventAboutGreen_wakesTheDeployment_insteadOfTheStepDelay() {
    FakeMarathon.App green = h.marathon.app(greenAppId).orElseThrow();
    List<String> greenTasks = green.tasks.stream().map(t -> t.id).toList();
    assertThat(h.record().admittedTaskIds()).doesNotContainAnyElementsOf(greenTasks);
    green.healthyAfter = Duration.ZERO;
    long t0 = System.nanoTime();

    boolean woke = leader.onMarathonEvent(event("health_status_changed_event", greenAppId));

    assertThat(woke).isTrue();
    await().atMost(Timing.seconds(10)).until(() -> h.record().admittedTaskIds().containsAll(greenTasks));
    System.out.printf("green admitted %d ms after its health event%n", (System.nanoTime() - t0) / 1_000_000);
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void aStatusUpdateAboutBlue_wakesTheDeploymentToo() {
    boolean woke = leader.onMarathonEvent(event("status_update_event", h.record().blueAppId()));

    assertThat(woke).isTrue();
    await().atMost(Timing.seconds(10)).until(() -> greenReads.get() >= 2);
  }

  @Test
  void eventsAboutOtherApps_orWithoutAnApp_wakeNothing() {
    assertThat(leader.onMarathonEvent(event("health_status_changed_event", "/other-green"))).isFalse();
    assertThat(leader.onMarathonEvent(event("health_status_changed_event", greenAppId + "x"))).isFalse();
    assertThat(leader.onMarathonEvent(new MarathonEvent("status_update_event", JsonNodeFactory.instance.objectNode())))
        .isFalse();
    // The step delay is an hour: nothing else can have run a tick since the leader's first one.
    assertThat(greenReads.get()).isEqualTo(1);
    assertThat(h.record().phase()).isEqualTo(Phase.SCALE_GREEN);
  }

  private static MarathonEvent event(String type, String appId) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("eventType", type);
    data.put("appId", appId);
    data.put("taskId", appId.replace("/", "") + ".1");
    data.put("alive", true);
    return new MarathonEvent(type, data);
  }

  /** Marathon as the fake answers, counting the leader's reads of green. */
  private final class CountingMarathon implements MarathonPort {
    private final MarathonPort delegate;

    CountingMarathon(MarathonPort delegate) {
      this.delegate = delegate;
    }

    @Override
    public List<AppStatus> listAppsInGroup(String group) {
      return delegate.listAppsInGroup(group);
    }

    @Override
    public AppStatus getApp(String appId) {
      AppStatus status = delegate.getApp(appId);
      if (appId.equals(greenAppId)) {
        greenReads.incrementAndGet();
      }
      return status;
    }

    @Override
    public void createApp(AppDefinition app) {
      delegate.createApp(app);
    }

    @Override
    public void scaleApp(String appId, int instances) {
      delegate.scaleApp(appId, instances);
    }

    @Override
    public void killTasksAndScale(String appId, Collection<String> taskIds) {
      delegate.killTasksAndScale(appId, taskIds);
    }

    @Override
    public void deleteApp(String appId) {
      delegate.deleteApp(appId);
    }
  }
}
