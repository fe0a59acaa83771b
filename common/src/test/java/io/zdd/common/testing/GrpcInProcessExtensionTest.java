package io.zdd.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GrpcInProcessExtensionTest {
  @RegisterExtension final GrpcInProcessExtension grpc = new GrpcInProcessExtension();

  @Test
  void startedServer_answersCalls_andEverythingIsClosedAfterward() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("zdd", ServingStatus.SERVING);
    ManagedChannel ch = grpc.start(health.getHealthService());

    var reply = HealthGrpc.newBlockingStub(ch).check(HealthCheckRequest.newBuilder().setService("zdd").build());
    assertThat(reply.getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(grpc.openResources()).isEqualTo(2);

    grpc.shutdownAll();
    assertThat(ch.isTerminated()).isTrue();
    assertThat(grpc.openResources()).isZero();
  }

  @Test
  void twoServers_getDistinctNames() {
    HealthStatusManager a = new HealthStatusManager();
    HealthStatusManager b = new HealthStatusManager();
    a.setStatus("x", ServingStatus.SERVING);
    b.setStatus("x", ServingStatus.NOT_SERVING);
    var ca = grpc.start(a.getHealthService());
    var cb = grpc.start(b.getHealthService());
    var req = HealthCheckRequest.newBuilder().setService("x").build();
    assertThat(HealthGrpc.newBlockingStub(ca).check(req).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(HealthGrpc.newBlockingStub(cb).check(req).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
  }
}
