package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.AdminState;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.Colour;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerPlanTest {
  static BackendServer srv(String name, int port, int weight, AdminState st) {
    return new BackendServer(name, "127.0.0.1", port, weight, st, Colour.BLUE, "");
  }

  /** A row as HAProxy reports it; admin bits 0x01 = forced maint, 0x08 = forced drain. */
  static ServerStateRow row(String name, int port, int weight, int adminBits) {
    return new ServerStateRow("be", name, "127.0.0.1", port, 2, adminBits, weight, weight);
  }

  @Test
  void sameDesiredAndObservedIsAnEmptyPlan() {
    ServerPlan p = ServerPlan.diff("be",
        List.of(srv("a", 1, 10, AdminState.READY), srv("b", 2, 0, AdminState.DRAIN), srv("c", 3, 5, AdminState.MAINT)),
        Map.of("a", row("a", 1, 10, 0), "b", row("b", 2, 0, 0x08), "c", row("c", 3, 5, 0x05)));
    assertThat(p.isEmpty()).isTrue();
  }

  @Test
  void findsAddsWeightStateAndAddressChanges() {
    ServerPlan p = ServerPlan.diff("be",
        List.of(srv("a", 1, 50, AdminState.READY), srv("b", 9, 10, AdminState.DRAIN), srv("new", 4, 10, AdminState.READY)),
        Map.of("a", row("a", 1, 10, 0), "b", row("b", 2, 10, 0)));
    assertThat(p.add()).extracting(BackendServer::name).containsExactly("new");
    assertThat(p.change()).hasSize(2);
    ServerPlan.Change a = p.change().get(0);
    assertThat(a.desired().name()).isEqualTo("a");
    assertThat(a.weight()).isEqualTo(50);
    assertThat(a.stateChanges()).isFalse();
    assertThat(a.address()).isFalse();
    ServerPlan.Change b = p.change().get(1);
    assertThat(b.address()).isTrue();
    assertThat(b.weight()).isNull();
    assertThat(b.from()).isEqualTo(AdminState.READY);
    assertThat(b.to()).isEqualTo(AdminState.DRAIN);
  }

  @Test
  void retiresServersNoLongerDesiredUnlessAlreadyInMaintenance() {
    ServerPlan p = ServerPlan.diff("be", List.of(srv("a", 1, 10, AdminState.READY)),
        Map.of("a", row("a", 1, 10, 0), "old", row("old", 2, 10, 0), "gone", row("gone", 3, 10, 0x01)));
    assertThat(p.retire()).containsExactly("old");
    assertThat(p.add()).isEmpty();
  }
}
