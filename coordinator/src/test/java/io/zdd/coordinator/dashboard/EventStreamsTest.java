package io.zdd.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.admin.DeploymentQueries;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.Phase;
import io.zdd.coordinator.engine.TrafficShare;
import io.zdd.coordinator.service.EventLog;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's event streams over a real {@link EventLog}: replay after the client's last id,
 * live events after it, the end at FINISHED, flow control while the client cannot take more, the
 * bound on open streams, and a coordinator without the deployment's events saying so.
 */
class EventStreamsTest {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final EventLog log = new EventLog();
  private final DeploymentQueries queries = new DeploymentQueries(Optional::empty, null, log);
  private final DashboardView view = new DashboardView(queries, null, null, null, Optional::empty, () -> true, "c1",
      Clock.systemUTC());
  private final EventStreams streams = new EventStreams(queries, view, timer, Clock.systemUTC());
  private final DeploymentRecord record = DeploymentRecord.builder().id("d1").group(GroupName.of("web"))
      .phase(Phase.SHIFT_TRAFFIC).greenColour(Colour.GREEN).blueAppId("/web-blue").greenAppId("/web-green")
      .startedAt(Instant.parse("2026-01-01T00:00:00Z")).build();

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  /** The transport's side, as a list of frames. */
  private static final class Frames implements EventStreams.Sink {
    final List<String> sent = new ArrayList<>();
    final List<Runnable> onWritable = new ArrayList<>();
    final List<Runnable> onClosed = new ArrayList<>();
    boolean writable = true;
    boolean closed;

    @Override
    public synchronized boolean writable() {
      return writable;
    }

    @Override
    public synchronized void send(String frame) {
      sent.add(frame);
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      onClosed.forEach(Runnable::run);
    }

    @Override
    public void onWritable(Runnable r) {
      onWritable.add(r);
    }

    @Override
    public void onClosed(Runnable r) {
      onClosed.add(r);
    }

    synchronized List<String> events() {
      return sent.stream().filter(f -> f.startsWith("id: ")).map(f -> f.substring(4, f.indexOf('\n'))).toList();
    }
  }

  private void emit(EventKind kind, DeploymentRecord r) {
    log.accept(new DeploymentEvent(0, Instant.now(), kind, kind.name(), r, List.of(), List.of(),
        List.of(new TrafficShare(Colour.BLUE, 80), new TrafficShare(Colour.GREEN, 20))));
  }

  @Test
  void replaysAfterTheLastIdThenFollowsLive_untilFinished() {
    emit(EventKind.PHASE_CHANGED, record);
    emit(EventKind.TRAFFIC_SHIFTED, record);
    Frames f = new Frames();
    assertThat(streams.start("d1", 1, f)).isTrue();
    assertThat(f.events()).containsExactly("2");
    assertThat(f.sent.get(f.sent.size() - 1)).contains("event: deployment").contains("\"new\":{\"app\":\"/web-green\"")
        .contains("\"share\":20.0");

    emit(EventKind.FINISHED, record.toBuilder().phase(Phase.DONE).build());
    assertThat(f.events()).containsExactly("2", "3");
    assertThat(f.closed).isTrue();
    assertThat(f.sent.get(f.sent.size() - 1)).startsWith("event: end");
    assertThat(streams.open()).isZero();
  }

  @Test
  void eventsWaitWhileTheClientCannotTakeThem() {
    emit(EventKind.PHASE_CHANGED, record);
    Frames f = new Frames();
    streams.start("d1", 0, f);
    f.writable = false;
    emit(EventKind.TRAFFIC_SHIFTED, record);
    emit(EventKind.TRAFFIC_SHIFTED, record);
    assertThat(f.events()).containsExactly("1");
    f.writable = true;
    f.onWritable.forEach(Runnable::run);
    assertThat(f.events()).containsExactly("1", "2", "3");
  }

  @Test
  void streamsAreBounded_andAClosedOneFreesItsPlace() {
    emit(EventKind.PHASE_CHANGED, record);
    List<Frames> open = new ArrayList<>();
    for (int i = 0; i < EventStreams.MAX_STREAMS; i++) {
      Frames f = new Frames();
      assertThat(streams.start("d1", 0, f)).isTrue();
      open.add(f);
    }
    Frames refused = new Frames();
    assertThat(streams.start("d1", 0, refused)).isFalse();
    assertThat(refused.sent).isEmpty();
    open.get(0).close();
    assertThat(streams.start("d1", 0, new Frames())).isTrue();
    assertThat(streams.open()).isEqualTo(EventStreams.MAX_STREAMS);
  }

  @Test
  void aDeploymentWithoutEventsHereIsSaidToBeUnavailable() {
    Frames f = new Frames();
    assertThat(streams.start("elsewhere", 0, f)).isTrue();
    assertThat(f.sent).anyMatch(s -> s.startsWith("event: unavailable"));
    assertThat(f.closed).isTrue();
    assertThat(streams.open()).isZero();
  }
}
