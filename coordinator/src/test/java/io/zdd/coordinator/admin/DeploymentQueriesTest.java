package io.zdd.coordinator.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Phase;
import io.zdd.coordinator.engine.TrafficShare;
import io.zdd.coordinator.service.EventLog;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The figures a view of a deployment shows (the admin API's and the dashboard's). */
class DeploymentQueriesTest {
  @Test
  void anOperatorsActionDoesNotHideWhereTrafficStands() {
    EventLog log = new EventLog();
    DeploymentQueries queries = new DeploymentQueries(Optional::empty, null, log);
    DeploymentRecord r = DeploymentRecord.builder().id("d1").group(GroupName.of("shop")).phase(Phase.SHIFT_TRAFFIC)
        .greenColour(Colour.GREEN).build();
    List<TrafficShare> split = List.of(new TrafficShare(Colour.BLUE, 75), new TrafficShare(Colour.GREEN, 25));
    log.accept(new DeploymentEvent(0, Instant.EPOCH, EventKind.TRAFFIC_SHIFTED, "25 %", r, List.of(), List.of(), split));
    // The audit trail's event carries no figures.
    log.accept(new DeploymentEvent(0, Instant.EPOCH, EventKind.OPERATOR_ACTION, "alice paused", r, List.of(), List.of(),
        List.of()));

    assertThat(queries.view(r).latest()).map(DeploymentEvent::traffic).contains(split);
    assertThat(log.latest("d1")).map(DeploymentEvent::kind).contains(EventKind.OPERATOR_ACTION);
  }
}
