package io.zdd.coordinator.engine;

import java.time.Duration;

/**
 * What one {@link Deployment#tick()} asks of its driver.
 *
 * @param delay for WAIT, how long until the next tick
 * @param reason for HELD and WAIT, what it waits for
 */
public record Tick(Kind kind, Duration delay, String reason) {
  public enum Kind {
    /** Tick again at once: the step moved on. */
    CONTINUE,
    /** Tick again after {@code delay}. */
    WAIT,
    /** Nothing happens until pause is lifted or promote/abort is called. */
    HELD,
    /** Finished; see the record's outcome. */
    DONE
  }

  static Tick proceed() {
    return new Tick(Kind.CONTINUE, Duration.ZERO, "");
  }

  static Tick waitFor(Duration delay, String reason) {
    return new Tick(Kind.WAIT, delay, reason);
  }

  static Tick held(String reason) {
    return new Tick(Kind.HELD, Duration.ZERO, reason);
  }

  static Tick done() {
    return new Tick(Kind.DONE, Duration.ZERO, "");
  }
}
