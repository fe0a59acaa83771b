package io.zdd.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.EventKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventLogTest {
  private final EventLog log = new EventLog();
  private final DeploymentRecord rec = DeploymentRecord.builder().id("d1").group(GroupName.of("web")).build();

  private DeploymentEvent event(String message) {
    return new DeploymentEvent(0, Instant.EPOCH, EventKind.PHASE_CHANGED, message, rec, List.of(), List.of(), List.of());
  }

  @Test
  void aLiveEventArrivingDuringTheReplay_isDeliveredAfterTheHistory() throws Exception {
    log.accept(event("one"));
    log.accept(event("two"));
    List<Long> received = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> live = new ArrayList<>();

    log.watch("d1", e -> {
      received.add(e.sequence());
      if (e.sequence() == 1) {
        // While the history is being replayed, the deployment emits a new event on another thread.
        live.add(CompletableFuture.runAsync(() -> log.accept(event("three"))));
        await().atMost(Duration.ofSeconds(5)).until(() -> log.events("d1").size() == 3);
      }
      return true;
    });
    live.get(0).get(5, TimeUnit.SECONDS);

    assertThat(received).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aWatcherThatDeclines_getsNothingMore_andTheHandleStopsAnother() {
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    log.watch("d1", e -> {
      first.add(e.message());
      return false;
    });
    EventLog.Watch watch = log.watch("d1", e -> second.add(e.message()));

    log.accept(event("a"));
    watch.stop();
    log.accept(event("b"));

    assertThat(first).containsExactly("a");
    assertThat(second).containsExactly("a");
  }

  /** A watcher whose client can be made slow (not ready), recording what it gets. */
  private static final class GatedWatcher implements EventLog.Watcher {
    final AtomicBoolean ready = new AtomicBoolean(false);
    final AtomicInteger overflows = new AtomicInteger();
    final List<String> got = new ArrayList<>();

    @Override
    public boolean accept(DeploymentEvent e) {
      return got.add(e.message());
    }

    @Override
    public boolean ready() {
      return ready.get();
    }

    @Override
    public void overflowed() {
      overflows.incrementAndGet();
    }
  }

  @Test
  void aWatcherThatIsNotReady_getsItsEventsInOrderOnceResumed() {
    GatedWatcher w = new GatedWatcher();
    EventLog.Watch watch = log.watch("d1", w);
    log.accept(event("a"));
    log.accept(event("b"));
    assertThat(w.got).as("nothing sent while the client cannot take it").isEmpty();

    w.ready.set(true);
    watch.resume();
    log.accept(event("c"));

    assertThat(w.got).containsExactly("a", "b", "c");
  }

  @Test
  void aWatcherTooFarBehind_isDroppedOnce_andGetsNothingMore() {
    EventLog small = new EventLog(3);
    GatedWatcher w = new GatedWatcher();
    EventLog.Watch watch = small.watch("d1", w);
    for (String m : List.of("a", "b", "c", "d", "e")) {
      small.accept(event(m));
    }
    w.ready.set(true);
    watch.resume();
    watch.resume();
    small.accept(event("f"));

    assertThat(w.overflows).hasValue(1);
    assertThat(w.got).isEmpty();
  }
}
