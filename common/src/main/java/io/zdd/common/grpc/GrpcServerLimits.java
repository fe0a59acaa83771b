package io.zdd.common.grpc;

import io.zdd.common.model.Validation;

/**
 * What one gRPC server of a zdd process may spend: the threads its calls run on, the largest
 * message it reads (a bigger one is refused with RESOURCE_EXHAUSTED before any handler sees it)
 * and the calls one connection may have open at once (HTTP/2 MAX_CONCURRENT_STREAMS: a client
 * opening more waits for a slot instead of taking more server memory).
 */
public record GrpcServerLimits(int threads, int maxMessageBytes, int maxConcurrentCallsPerConnection) {
  /** {@code --max-message-size}: large enough for a backend set of thousands of servers. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 << 20;
  /** A backend set must fit, so far below this is useless; far above it one call could hold gigabytes. */
  public static final int MAX_MESSAGE_BYTES_CEILING = 64 << 20;
  /** {@code --max-concurrent-calls}. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = 100;
  public static final int MAX_CONCURRENT_CALLS_CEILING = 10_000;

  public GrpcServerLimits {
    Validation.within("threads", threads, 1, 1024);
    maxMessageBytes(maxMessageBytes);
    maxConcurrentCalls(maxConcurrentCallsPerConnection);
  }

  /** The defaults with {@code threads} threads. */
  public static GrpcServerLimits withThreads(int threads) {
    return new GrpcServerLimits(threads, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_CONCURRENT_CALLS);
  }

  /** Validates a {@code --max-message-size} value (bytes). */
  public static int maxMessageBytes(int bytes) {
    return Validation.within("--max-message-size", bytes, 64 << 10, MAX_MESSAGE_BYTES_CEILING);
  }

  /** Validates a {@code --max-concurrent-calls} value. */
  public static int maxConcurrentCalls(int calls) {
    return Validation.within("--max-concurrent-calls", calls, 1, MAX_CONCURRENT_CALLS_CEILING);
  }
}
