package io.zdd.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zdd.agent.core.BackendController;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HaproxyWorker;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ProxyMode;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Reload and runtime-command counting around the HAProxy layer's results and failures. */
class MeteredBackendControllerTest {
  private static final BackendSet SET = new BackendSet(GroupName.of("web"), 1, 8080, ProxyMode.HTTP, "roundrobin",
      Optional.empty(), List.of(), List.of());

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AgentMetrics metrics = new AgentMetrics(registry, () -> Epoch.ZERO);

  /** A controller that answers what the test scripts (stands in for HAProxy only here). */
  private static BackendController answering(Supplier<ApplyResult> apply) {
    return new BackendController() {
      @Override
      public <T> T withGroup(GroupName group, Supplier<T> action) {
        return action.get();
      }

      @Override
      public ApplyResult apply(BackendSet desired, Epoch epoch) {
        return apply.get();
      }

      @Override
      public boolean removeGroup(GroupName group) {
        return true;
      }

      @Override
      public List<ObservedBackend> observe() {
        return List.of();
      }

      @Override
      public Map<GroupName, BackendSet> desired() {
        return Map.of();
      }

      @Override
      public List<HaproxyWorker> workers() {
        return List.of();
      }

      @Override
      public String haproxyVersion() {
        return "";
      }
    };
  }

  private double count(String name, String result) {
    return registry.get(name).tag("result", result).counter().count();
  }

  @Test
  void results_countCommandsAndReloads() {
    ApplyResult reload = new ApplyResult(new ObservedBackend(GroupName.of("web"), 1, Epoch.of(1), 8080, List.of()),
        true, 0);
    ApplyResult runtime = new ApplyResult(reload.observed(), false, 3);
    var results = new ArrayDeque<>(List.of(reload, runtime));
    MeteredBackendController c = new MeteredBackendController(answering(results::poll), metrics);

    c.apply(SET, Epoch.of(1));
    c.apply(SET, Epoch.of(1));
    c.removeGroup(GroupName.of("web"));

    assertThat(count("zdd_agent_reloads", "ok")).isEqualTo(2);
    assertThat(count("zdd_agent_runtime_commands", "ok")).isEqualTo(3);
    assertThat(count("zdd_agent_reloads", "error")).isZero();
  }

  @Test
  void failedReload_isCounted_aRefusedConfigIsNot() {
    MeteredBackendController failedReload = new MeteredBackendController(answering(() -> {
      throw new PreconditionException("reload failed: no new worker; last good config restored");
    }), metrics);
    MeteredBackendController refused = new MeteredBackendController(answering(() -> {
      throw new InvalidInputException("backend_set", "haproxy -c: [ALERT] ...");
    }), metrics);

    assertThatThrownBy(() -> failedReload.apply(SET, Epoch.of(1))).isInstanceOf(PreconditionException.class);
    assertThatThrownBy(() -> refused.apply(SET, Epoch.of(1))).isInstanceOf(InvalidInputException.class);

    assertThat(count("zdd_agent_reloads", "error")).isEqualTo(1);
    assertThat(count("zdd_agent_runtime_commands", "error")).isZero();
  }
}
