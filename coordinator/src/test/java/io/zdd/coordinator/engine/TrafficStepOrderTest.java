package io.zdd.coordinator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.TrafficReading;
import io.zdd.coordinator.engine.port.AgentCallResult;
import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.DeploymentStore;
import io.zdd.coordinator.engine.port.LbAgentView;
import io.zdd.coordinator.engine.port.LbFleetPort;
import io.zdd.coordinator.engine.port.MarathonPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The order of what a tick that moves to a new traffic step does, on one timeline of every
 * Marathon call (reads too), every record save and every fleet-wide apply: the record with the
 * new step and its version is saved first, the split is sent next, and Marathon is read only after.
 */
class TrafficStepOrderTest {
  /** Every call of the tick in order: "tick", "marathon …", "save step=S applied=B v=V", "send vV". */
  private final List<String> timeline = new CopyOnWriteArrayList<>();

  @Test
  void aStepDecidedFromTheRecordAndTheClock_isSavedThenSentBeforeAnyMarathonCall() throws Exception {
    Harness h = new Harness();
    h.seedBlue(3);
    Deployment d = new DeploymentEngine(recording(h.ports()), () -> "d1")
        .start(Harness.appJson(3), Harness.options().trafficSteps(List.of(10, 50, 100)).stepPause(Duration.ofMinutes(1))
            .build());
    while (true) {
      timeline.add("tick");
      Tick t = d.tick();
      if (t.kind() == Tick.Kind.DONE) {
        break;
      }
      if (t.kind() == Tick.Kind.WAIT) {
        h.clock.advance(t.delay());
      }
    }
    assertThat(d.record().outcome()).isEqualTo(Outcome.SUCCEEDED);

    List<List<String>> ticks = ticks();
    for (int step = 0; step < 3; step++) {
      String decided = "save step=" + step + " applied=false";
      List<String> tick = ticks.stream().filter(t -> t.stream().anyMatch(e -> e.startsWith(decided))).findFirst()
          .orElseThrow();
      // The tick's first act is the save of the new step with its new version, the second the send
      // of that version: no Marathon call and no re-send of the previous step before them.
      assertThat(tick.get(0)).as("tick of step %d: %s", step, tick).startsWith(decided);
      String version = tick.get(0).substring(tick.get(0).indexOf(" v=") + 3);
      assertThat(tick.get(1)).as("tick of step %d: %s", step, tick).isEqualTo("send v" + version);
      // Bookkeeping after: Marathon read again, then the step recorded as applied.
      List<String> after = tick.subList(2, tick.size());
      assertThat(after).as("tick of step %d", step).anyMatch(e -> e.startsWith("marathon get"));
      int read = indexOf(after, "marathon get");
      int applied = indexOf(after, "save step=" + step + " applied=true");
      assertThat(applied).as("tick of step %d: %s", step, tick).isGreaterThan(read);
    }
    // During the pauses the engine still looks at the fleet each tick (the fleet port decides what
    // really goes out): nothing here asserts on the fake fleet's re-sends.
    assertThat(h.allViolations()).isEmpty();
  }

  @Test
  void aNewLeaderWithoutRecentReads_readsMarathonBeforeItSends() throws Exception {
    Harness h = new Harness();
    h.seedBlue(2);
    Deployment first = h.start(Harness.appJson(2), Harness.options().trafficSteps(List.of(10, 100))
        .stepPause(Duration.ofMinutes(1)).build());
    while (first.record().traffic().stepStartedAt() == null) {
      Tick t = first.tick();
      if (t.kind() == Tick.Kind.WAIT) {
        h.clock.advance(t.delay());
      }
    }
    h.clock.advance(Duration.ofMinutes(2));
    first.stop();
    h.epoch = 2;
    Deployment resumed = new DeploymentEngine(recording(h.ports()), () -> "unused").resume(Harness.GROUP).orElseThrow();
    timeline.clear();
    timeline.add("tick");
    resumed.tick();

    List<String> tick = ticks().get(0);
    int read = indexOf(tick, "marathon get");
    int send = indexOf(tick, "send v");
    assertThat(read).as("%s", tick).isNotNegative().isLessThan(send);
    assertThat(tick.get(0)).startsWith("save step=1 applied=false");
  }

  private List<List<String>> ticks() {
    List<List<String>> out = new ArrayList<>();
    for (String e : timeline) {
      if (e.equals("tick")) {
        out.add(new ArrayList<>());
      } else if (!out.isEmpty()) {
        out.get(out.size() - 1).add(e);
      }
    }
    return out;
  }

  private static int indexOf(List<String> entries, String prefix) {
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  private EnginePorts recording(EnginePorts p) {
    MarathonPort m = p.marathon();
    MarathonPort marathon = new MarathonPort() {
      @Override
      public List<AppStatus> listAppsInGroup(String group) {
        timeline.add("marathon list " + group);
        return m.listAppsInGroup(group);
      }

      @Override
      public AppStatus getApp(String appId) {
        timeline.add("marathon get " + appId);
        return m.getApp(appId);
      }

      @Override
      public void createApp(AppDefinition app) {
        timeline.add("marathon create " + app.id());
        m.createApp(app);
      }

      @Override
      public void scaleApp(String appId, int instances) {
        timeline.add("marathon scale " + appId);
        m.scaleApp(appId, instances);
      }

      @Override
      public void killTasksAndScale(String appId, Collection<String> taskIds) {
        timeline.add("marathon kill " + appId);
        m.killTasksAndScale(appId, taskIds);
      }

      @Override
      public void deleteApp(String appId) {
        timeline.add("marathon delete " + appId);
        m.deleteApp(appId);
      }
    };
    LbFleetPort f = p.fleet();
    LbFleetPort fleet = new LbFleetPort() {
      @Override
      public List<LbAgentView> agents(GroupName group, LbGroups lbGroups) {
        return f.agents(group, lbGroups);
      }

      @Override
      public Map<AgentId, AgentCallResult> applyEverywhere(BackendSet set, LbGroups lbGroups, Epoch epoch) {
        timeline.add("send v" + set.version());
        return f.applyEverywhere(set, lbGroups, epoch);
      }

      @Override
      public Map<AgentId, AgentCallResult> swapPort(GroupName group, LbGroups lbGroups, int servicePort, int targetPort,
          Epoch epoch) {
        timeline.add("swap");
        return f.swapPort(group, lbGroups, servicePort, targetPort, epoch);
      }

      @Override
      public Map<AgentId, ConnectionSample> latestSamples(GroupName group, LbGroups lbGroups) {
        return f.latestSamples(group, lbGroups);
      }

      @Override
      public Map<AgentId, AgentCallResult> shutdownSessions(GroupName group, LbGroups lbGroups, String server,
          Epoch epoch) {
        timeline.add("shutdown");
        return f.shutdownSessions(group, lbGroups, server, epoch);
      }

      @Override
      public Map<AgentId, TrafficReading> readTraffic(GroupName group, LbGroups lbGroups) {
        return f.readTraffic(group, lbGroups);
      }
    };
    DeploymentStore s = p.store();
    DeploymentStore store = new DeploymentStore() {
      @Override
      public void save(DeploymentRecord r) {
        timeline.add("save step=" + r.traffic().step() + " applied=" + (r.traffic().stepStartedAt() != null)
            + " v=" + r.backendVersion());
        s.save(r);
      }

      @Override
      public Optional<DeploymentRecord> load(GroupName group) {
        return s.load(group);
      }

      @Override
      public void appendHistory(DeploymentRecord r) {
        s.appendHistory(r);
      }

      @Override
      public List<DeploymentRecord> history(GroupName group) {
        return s.history(group);
      }
    };
    return new EnginePorts(marathon, fleet, store, p.pendingProbe(), p.preKillHook(), p.events(), p.clock(), p.epoch());
  }
}
