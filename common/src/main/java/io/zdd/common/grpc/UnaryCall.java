package io.zdd.common.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.zdd.common.concurrent.CallDeadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a zdd service answers a unary call: the body runs under the caller's deadline
 * ({@link CallDeadline}, so locks and HAProxy exchanges below give up when the caller does); its
 * result is the answer, its exception becomes the status {@link StatusMapper} gives it.
 * Unexpected failures are logged with their stack; refusals in one line.
 */
public final class UnaryCall {
  private static final Logger log = LoggerFactory.getLogger(UnaryCall.class);

  private UnaryCall() {}

  public static <T> void answer(StreamObserver<T> out, Supplier<T> body) {
    T reply;
    Deadline deadline = Context.current().getDeadline();
    Duration remaining = deadline == null ? null : Duration.ofNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS));
    try (CallDeadline.Scope s = CallDeadline.within(remaining)) {
      reply = body.get();
    } catch (RuntimeException e) {
      StatusRuntimeException status = StatusMapper.toStatusException(e);
      if (status.getStatus().getCode() == Status.Code.INTERNAL) {
        log.error("call failed unexpectedly", e);
      } else {
        log.info("call refused: {} {}", status.getStatus().getCode(), status.getStatus().getDescription());
      }
      out.onError(status);
      return;
    }
    out.onNext(reply);
    out.onCompleted();
  }
}
