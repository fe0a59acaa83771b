package io.zdd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.Server;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChangePlanTest {
  final ChangePlan plan = new ChangePlan(8080, List.of(9001, 9002, 9003));

  private static List<Integer> weights(ApplyBackendsRequest r) {
    return r.getBackendSet().getServersList().stream().map(Server::getWeight).toList();
  }

  private static BackendSet withoutWeights(ApplyBackendsRequest r) {
    BackendSet.Builder b = r.getBackendSet().toBuilder().clearVersion();
    b.getServersBuilderList().forEach(Server.Builder::clearWeight);
    return b.build();
  }

  @Test
  void weightOnlyChangesEveryWeightAndNothingElse() {
    ApplyBackendsRequest prev = plan.initial();
    for (int i = 0; i < 300; i++) {
      ApplyBackendsRequest next = plan.next(ChangePlan.Kind.WEIGHT_ONLY);
      List<Integer> a = weights(prev);
      List<Integer> b = weights(next);
      for (int s = 0; s < a.size(); s++) {
        assertThat(b.get(s)).isNotEqualTo(a.get(s)).isBetween(1, 256);
      }
      assertThat(withoutWeights(next)).isEqualTo(withoutWeights(prev));
      assertThat(next.getBackendSet().getVersion()).isEqualTo(prev.getBackendSet().getVersion() + 1);
      prev = next;
    }
  }

  @Test
  void reloadChangeFlipsTheHealthCheckPathAndKeepsWeights() {
    ApplyBackendsRequest prev = plan.initial();
    ApplyBackendsRequest r1 = plan.next(ChangePlan.Kind.RELOAD);
    ApplyBackendsRequest r2 = plan.next(ChangePlan.Kind.RELOAD);
    assertThat(r1.getBackendSet().getHealthCheck().getHttpPath())
        .isNotEqualTo(prev.getBackendSet().getHealthCheck().getHttpPath());
    assertThat(r2.getBackendSet().getHealthCheck().getHttpPath())
        .isEqualTo(prev.getBackendSet().getHealthCheck().getHttpPath());
    assertThat(weights(r1)).isEqualTo(weights(prev));
    assertThat(r2.getEpoch()).isEqualTo(ChangePlan.EPOCH);
    assertThat(r2.getBackendSet().getVersion()).isEqualTo(3);
  }

  @Test
  void roundsCycleThroughEveryOrderOfTheThreeKinds() {
    Set<List<ChangePlan.Kind>> orders = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      assertThat(ApplyLatencyBench.roundOrder(i)).containsExactlyInAnyOrder(ChangePlan.Kind.values());
      orders.add(ApplyLatencyBench.roundOrder(i));
    }
    assertThat(orders).hasSize(6);
    assertThat(ApplyLatencyBench.roundOrder(6)).isEqualTo(ApplyLatencyBench.roundOrder(0));
  }
}
