package io.zdd.agent.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.agent.core.ConnectionSampler.Counts;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ProxyMode;
import io.zdd.common.model.ServerConnections;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The hot/idle decision alone: which readings make the agent watch closely, and which pace follows. */
class SamplingPaceTest {
  private static final GroupName WEB = GroupName.of("web");
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
  private static final Duration FAST = Duration.ofMillis(250);
  private static final SamplingPace PACE = new SamplingPace(Duration.ofSeconds(2), Duration.ofSeconds(10));

  private static BackendServer wanted(String name, int weight, AdminState state) {
    return new BackendServer(name, "10.0.0.1", 31000, weight, state, Colour.BLUE, "");
  }

  private static Map<GroupName, BackendSet> desired(BackendServer... servers) {
    return Map.of(WEB, new BackendSet(WEB, 1, 8080, ProxyMode.HTTP, "roundrobin", Optional.empty(),
        List.of(servers), List.of()));
  }

  private static Counts reading(String server, AdminState observed, int scur, int qcur, int oldScur) {
    return new Counts(List.of(new ServerConnections(WEB, server, scur, qcur, 10, "UP", observed, oldScur)),
        List.of());
  }

  @Test
  void serverInServiceWithConnections_isNoDrain() {
    assertThat(SamplingPace.drainUnderWay(reading("a", AdminState.READY, 5, 0, 0),
        desired(wanted("a", 100, AdminState.READY)))).isFalse();
  }

  @Test
  void drainingServerWithSessions_isADrainUnderWay() {
    assertThat(SamplingPace.drainUnderWay(reading("a", AdminState.DRAIN, 3, 0, 0),
        desired(wanted("a", 100, AdminState.DRAIN)))).isTrue();
  }

  @Test
  void drainingServerWithNothingLeft_isNoLongerADrain() {
    assertThat(SamplingPace.drainUnderWay(reading("a", AdminState.DRAIN, 0, 0, 0),
        desired(wanted("a", 100, AdminState.DRAIN)))).isFalse();
  }

  @Test
  void queuedRequestsOrAnOldWorkersSessions_countAsConnections() {
    assertThat(SamplingPace.drainUnderWay(reading("a", AdminState.MAINT, 0, 2, 0),
        desired(wanted("a", 100, AdminState.MAINT)))).isTrue();
    assertThat(SamplingPace.drainUnderWay(reading("a", AdminState.DRAIN, 0, 0, 1),
        desired(wanted("a", 100, AdminState.DRAIN)))).isTrue();
  }

  @Test
  void weightZeroInTheDesiredSet_isOutOfService_evenWhileHaproxyStillSaysReady() {
    assertThat(SamplingPace.drainUnderWay(reading("a", AdminState.READY, 1, 0, 0),
        desired(wanted("a", 0, AdminState.READY)))).isTrue();
  }

  @Test
  void desiredDrainNotYetInHaproxy_isOutOfService() {
    assertThat(SamplingPace.drainUnderWay(reading("a", AdminState.READY, 1, 0, 0),
        desired(wanted("a", 100, AdminState.DRAIN)))).isTrue();
  }

  @Test
  void retiredServer_noLongerInTheDesiredSet_isOutOfService() {
    assertThat(SamplingPace.drainUnderWay(reading("old", AdminState.READY, 4, 0, 0),
        desired(wanted("a", 100, AdminState.READY)))).isTrue();
  }

  @Test
  void groupsTheAgentDoesNotManage_areIgnored() {
    assertThat(SamplingPace.drainUnderWay(reading("a", AdminState.DRAIN, 4, 0, 0), Map.of())).isFalse();
  }

  @Test
  void idle_readsAtTheIdleInterval() {
    assertThat(PACE.next(FAST, NOW, Instant.MIN, false)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void withinTheHotWindowOfAWrite_readsFast_andAfterItIdle() {
    Instant hotUntil = NOW.plusSeconds(10);
    assertThat(PACE.next(FAST, NOW, hotUntil, false)).isEqualTo(FAST);
    assertThat(PACE.next(FAST, NOW.plusSeconds(9), hotUntil, false)).isEqualTo(FAST);
    assertThat(PACE.next(FAST, hotUntil, hotUntil, false)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aDrainUnderWay_keepsReadingFast_pastTheHotWindow() {
    assertThat(PACE.next(FAST, NOW, Instant.MIN, true)).isEqualTo(FAST);
  }

  @Test
  void aWatchSlowerThanTheIdleInterval_keepsItsOwn() {
    assertThat(PACE.next(Duration.ofSeconds(5), NOW, Instant.MIN, false)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void zeroIdleInterval_isAlwaysFast() {
    assertThat(SamplingPace.ALWAYS_FAST.next(FAST, NOW, Instant.MIN, false)).isEqualTo(FAST);
  }
}
