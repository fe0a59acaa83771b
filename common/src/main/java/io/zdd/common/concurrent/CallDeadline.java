package io.zdd.common.concurrent;

import io.zdd.common.error.DeadlineExceededException;
import java.time.Duration;

/**
 * The deadline of the call the current thread serves (a gRPC caller's), so that blocking work
 * far below it (a lock, a socket exchange with HAProxy) stops when the caller stops waiting
 * instead of running past it. Only the transport edge sets it ({@link #within}); the code below
 * reads it through {@link #bound}. Thread-confined: work handed to another thread does not carry
 * it, and work that must finish whatever the caller does (undoing a half-done change) runs
 * under {@link #within} a budget of its own.
 */
public final class CallDeadline {
  /** {@link System#nanoTime()} at which the current call's caller stops waiting; null: no deadline. */
  private static final ThreadLocal<Long> DEADLINE = new ThreadLocal<>();

  private CallDeadline() {}

  /** Restores the previous deadline when closed. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** The current thread serves a call with {@code remaining} left (null: without a deadline). */
  public static Scope within(Duration remaining) {
    Long previous = DEADLINE.get();
    if (remaining == null) {
      DEADLINE.remove();
    } else {
      DEADLINE.set(System.nanoTime() + remaining.toNanos());
    }
    return () -> {
      if (previous == null) {
        DEADLINE.remove();
      } else {
        DEADLINE.set(previous);
      }
    };
  }

  /**
   * The shorter of {@code own} (the operation's own bound) and the time the caller has left.
   *
   * @throws DeadlineExceededException when the caller's deadline has passed already
   */
  public static Duration bound(Duration own, String what) {
    Long deadline = DEADLINE.get();
    if (deadline == null) {
      return own;
    }
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new DeadlineExceededException("the caller's deadline passed before " + what);
    }
    return left < own.toNanos() ? Duration.ofNanos(left) : own;
  }

  /** Whether {@code bound} is shorter than {@code own} because of the caller's deadline. */
  public static boolean limits(Duration bound, Duration own) {
    return bound.compareTo(own) < 0;
  }
}
