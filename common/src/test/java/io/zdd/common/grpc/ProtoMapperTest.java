package io.zdd.common.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.AgentStateView;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ColourFrontend;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HaproxyWorker;
import io.zdd.common.model.HealthCheck;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import io.zdd.common.model.PortRedirect;
import io.zdd.common.model.ProxyMode;
import io.zdd.common.model.ServerConnections;
import io.zdd.common.model.WorkerConnections;
import io.zdd.proto.v1.Server;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProtoMapperTest {
  private static final GroupName WEB = GroupName.of("web");

  static BackendSet sampleSet() {
    return new BackendSet(WEB, 42, 10000, ProxyMode.TCP, "leastconn",
        Optional.of(new HealthCheck("/health", 500, 2, 3)),
        List.of(
            new BackendServer("web-blue.1", "10.0.0.5", 31001, 100, AdminState.READY, Colour.BLUE, "web-blue.t1"),
            new BackendServer("web-green.1", "::1", 31002, 0, AdminState.DRAIN, Colour.GREEN, ""),
            new BackendServer("web-green.2", "127.0.0.1", 31003, 256, AdminState.MAINT, Colour.GREEN, "t3")),
        List.of(new ColourFrontend(Colour.BLUE, 10001), new ColourFrontend(Colour.GREEN, 10002)));
  }

  @Test
  void backendSet_roundTrip_isIdentity() {
    BackendSet set = sampleSet();
    assertThat(ProtoMapper.backendSet(ProtoMapper.toProto(set))).isEqualTo(set);
  }

  @Test
  void backendSetWithoutHealthCheck_roundTrip_staysEmpty() {
    BackendSet set = new BackendSet(WEB, 1, 80, ProxyMode.HTTP, "roundrobin", Optional.empty(), List.of(), List.of());
    var proto = ProtoMapper.toProto(set);
    assertThat(proto.hasHealthCheck()).isFalse();
    assertThat(ProtoMapper.backendSet(proto)).isEqualTo(set);
  }

  @Test
  void applyResult_roundTrip_isIdentity() {
    ObservedBackend observed = new ObservedBackend(WEB, 7, Epoch.of(3), 10000, List.of(
        new ObservedServer("a", "10.0.0.1", 80, 10, AdminState.READY, "UP", "L7OK", 2),
        new ObservedServer("b", "10.0.0.2", 81, 0, AdminState.MAINT, "MAINT", "", 0)));
    ApplyResult r = new ApplyResult(observed, true, 5);
    assertThat(ProtoMapper.applyResult(ProtoMapper.toProto(r))).isEqualTo(r);
  }

  @Test
  void agentState_roundTrip_isIdentity() {
    AgentStateView s = new AgentStateView(AgentId.of("lb-1"), Epoch.of(9),
        List.of(new ObservedBackend(WEB, 1, Epoch.of(9), 10000, List.of())),
        List.of(new HaproxyWorker(100, true, 0, 12), new HaproxyWorker(90, false, 1, 3)),
        List.of(new PortRedirect(10000, 10001, "ZDD-OUTPUT")),
        "2.6.12", true);
    assertThat(ProtoMapper.agentState(ProtoMapper.toProto(s))).isEqualTo(s);
  }

  @Test
  void connectionSample_roundTrip_isIdentity() {
    ConnectionSample s = new ConnectionSample(AgentId.of("lb-1"), 77, Instant.ofEpochMilli(1_700_000_000_123L), true,
        List.of(new ServerConnections(WEB, "a", 3, 1, 900, "DRAIN", AdminState.DRAIN, 2)),
        List.of(new WorkerConnections(100, true, 5), new WorkerConnections(90, false, 2)));
    assertThat(ProtoMapper.sample(ProtoMapper.toProto(s))).isEqualTo(s);
  }

  @Test
  void everyEnumValue_roundTrips() {
    for (Colour c : Colour.values()) {
      assertThat(ProtoMapper.colour(ProtoMapper.toProto(c))).isEqualTo(c);
    }
    for (AdminState a : AdminState.values()) {
      assertThat(ProtoMapper.adminState(ProtoMapper.toProto(a))).isEqualTo(a);
    }
    for (ProxyMode m : ProxyMode.values()) {
      assertThat(ProtoMapper.mode(ProtoMapper.toProto(m))).isEqualTo(m);
    }
  }

  @Test
  void serverWithWeightAbove256_isRejectedNamingTheField() {
    Server bad = ProtoMapper.toProto(sampleSet().servers().get(0)).toBuilder().setWeight(257).build();
    assertThatThrownBy(() -> ProtoMapper.server(bad))
        .isInstanceOf(InvalidInputException.class)
        .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("server.weight");
  }

  @Test
  void portAboveUint31_isRejectedNotWrapped() {
    Server bad = ProtoMapper.toProto(sampleSet().servers().get(0)).toBuilder().setPort(-5).build();
    assertThatThrownBy(() -> ProtoMapper.server(bad))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("server.port");
  }

  @Test
  void duplicateServerNames_areRejected() {
    var proto = ProtoMapper.toProto(sampleSet()).toBuilder()
        .addServers(ProtoMapper.toProto(sampleSet().servers().get(0)))
        .build();
    assertThatThrownBy(() -> ProtoMapper.backendSet(proto))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("duplicate server name 'web-blue.1'");
  }

  @Test
  void malformedAddressOrName_isRejected() {
    var base = ProtoMapper.toProto(sampleSet().servers().get(0));
    assertThatThrownBy(() -> ProtoMapper.server(base.toBuilder().setAddress("10.0.0.1; rm -rf /").build()))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("server.address");
    assertThatThrownBy(() -> ProtoMapper.server(base.toBuilder().setAddress("999.1.1.1").build()))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ProtoMapper.server(base.toBuilder().setName("a b").build()))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("server.name");
  }

  @Test
  void staticBalanceAlgorithm_isRejected() {
    var proto = ProtoMapper.toProto(sampleSet()).toBuilder().setBalance("static-rr").build();
    assertThatThrownBy(() -> ProtoMapper.backendSet(proto))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("backend_set.balance");
  }
}
