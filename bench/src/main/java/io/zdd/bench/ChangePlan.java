package io.zdd.bench;

import io.zdd.proto.v1.AdminState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.HealthCheck;
import io.zdd.proto.v1.ProxyMode;
import io.zdd.proto.v1.Server;
import java.util.List;

/**
 * The backend sets the benchmark sends, one group "bench" under epoch 1 with increasing versions.
 * A weight-only change keeps every frontend and backend option and gives each server a new
 * weight: the agent applies it with runtime commands. A reload change flips the health-check path
 * between two values and keeps the weights: a backend option, so the agent must rewrite the config
 * and reload HAProxy (HaproxyBackendController compares the group layout without its servers).
 */
final class ChangePlan {
  static final String GROUP = "bench";
  static final long EPOCH = 1;
  private static final List<String> CHECK_PATHS = List.of("/", "/healthz");

  enum Kind {
    WEIGHT_ONLY("weight-only (runtime API; file in the background)"),
    WEIGHT_ONLY_ALWAYS("weight-only, `--config-sync always` (file + `haproxy -c` first)"),
    RELOAD("needs reload (health-check path flip)");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  private final int frontendPort;
  private final List<Integer> backendPorts;
  private long version;
  private int checkPath;
  private int weightRound;

  ChangePlan(int frontendPort, List<Integer> backendPorts) {
    this.frontendPort = frontendPort;
    this.backendPorts = List.copyOf(backendPorts);
  }

  /** The first set: creates the group (its frontend and backend). */
  ApplyBackendsRequest initial() {
    return request();
  }

  ApplyBackendsRequest next(Kind kind) {
    if (kind != Kind.RELOAD) {
      weightRound++;
    } else {
      checkPath = 1 - checkPath;
    }
    return request();
  }

  /** Weights 1..200 that differ from the previous round's for every server. */
  int weight(int server) {
    return 1 + (weightRound * 37 + server * 11) % 200;
  }

  private ApplyBackendsRequest request() {
    version++;
    BackendSet.Builder set = BackendSet.newBuilder()
        .setGroup(GROUP)
        .setVersion(version)
        .setFrontendPort(frontendPort)
        .setMode(ProxyMode.HTTP)
        .setBalance("roundrobin")
        .setHealthCheck(HealthCheck.newBuilder().setHttpPath(CHECK_PATHS.get(checkPath)).setIntervalMs(1000));
    for (int i = 0; i < backendPorts.size(); i++) {
      set.addServers(Server.newBuilder()
          .setName("app" + (i + 1))
          .setAddress("127.0.0.1")
          .setPort(backendPorts.get(i))
          .setWeight(weight(i))
          .setAdminState(AdminState.READY));
    }
    return ApplyBackendsRequest.newBuilder().setEpoch(EPOCH).setBackendSet(set).build();
  }
}
