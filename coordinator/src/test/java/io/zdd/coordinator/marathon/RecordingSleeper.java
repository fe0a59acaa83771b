package io.zdd.coordinator.marathon;

import io.zdd.common.testing.MutableClock;
import io.zdd.coordinator.engine.port.Sleeper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records each requested pause and moves the clock instead of waiting. */
final class RecordingSleeper implements Sleeper {
  private final MutableClock clock;
  private final List<Duration> pauses = new CopyOnWriteArrayList<>();

  RecordingSleeper(MutableClock clock) {
    this.clock = clock;
  }

  @Override
  public void sleep(Duration duration) {
    pauses.add(duration);
    clock.advance(duration);
  }

  List<Duration> pauses() {
    return List.copyOf(pauses);
  }

  Duration total() {
    return pauses.stream().reduce(Duration.ZERO, Duration::plus);
  }
}
