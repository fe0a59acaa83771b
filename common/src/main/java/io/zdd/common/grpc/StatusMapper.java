package io.zdd.common.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.PermissionDeniedException;
import io.zdd.common.error.NotLeaderException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.StaleEpochException;
import io.zdd.common.error.StaleVersionException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.error.ZddException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The one mapping between domain exceptions and gRPC statuses. Servers call {@link #toStatus} at
 * the edge; clients call {@link #toException} so domain code never sees gRPC types.
 */
public final class StatusMapper {
  private StatusMapper() {}

  public static Status toStatus(Throwable t) {
    Throwable e = unwrap(t);
    if (e instanceof StatusRuntimeException sre) {
      return sre.getStatus();
    }
    Status status;
    if (e instanceof InvalidInputException) {
      status = Status.INVALID_ARGUMENT;
    } else if (e instanceof StaleEpochException
        || e instanceof StaleVersionException
        || e instanceof PreconditionException) {
      status = Status.FAILED_PRECONDITION;
    } else if (e instanceof NotLeaderException || e instanceof UnavailableException) {
      status = Status.UNAVAILABLE;
    } else if (e instanceof ConflictException) {
      status = Status.ABORTED;
    } else if (e instanceof NotFoundException) {
      status = Status.NOT_FOUND;
    } else if (e instanceof PermissionDeniedException) {
      status = Status.PERMISSION_DENIED;
    } else if (e instanceof DeadlineExceededException || e instanceof TimeoutException) {
      status = Status.DEADLINE_EXCEEDED;
    } else if (e instanceof CancellationException) {
      status = Status.CANCELLED;
    } else if (e instanceof ZddException) {
      // Other domain refusals (e.g. HAProxy rejecting a runtime command): the system's state
      // does not allow the request; retrying unchanged will not help.
      status = Status.FAILED_PRECONDITION;
    } else {
      // An unexpected failure: say what it was, but not its stack, to the caller.
      return Status.INTERNAL.withDescription(e.getClass().getSimpleName() + ": " + e.getMessage()).withCause(e);
    }
    return status.withDescription(e.getMessage()).withCause(e);
  }

  /**
   * The leader's address on a standby's refusal, as a trailer of its own: the client follows only
   * this structured field (taken from the leader latch), never text parsed out of a description.
   */
  public static final io.grpc.Metadata.Key<String> LEADER =
      io.grpc.Metadata.Key.of("zdd-leader", io.grpc.Metadata.ASCII_STRING_MARSHALLER);

  public static StatusRuntimeException toStatusException(Throwable t) {
    Throwable e = unwrap(t);
    io.grpc.Metadata trailers = new io.grpc.Metadata();
    if (e instanceof NotLeaderException nl) {
      nl.leader().ifPresent(l -> trailers.put(LEADER, l));
    }
    return toStatus(t).asRuntimeException(trailers);
  }

  /** Client side: a failed call becomes the domain exception a caller can act on. */
  public static ZddException toException(Throwable t) {
    Throwable e = unwrap(t);
    if (e instanceof ZddException z) {
      return z;
    }
    Status status = Status.fromThrowable(e);
    String description = status.getDescription() == null ? status.getCode().name() : status.getDescription();
    return switch (status.getCode()) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> new InvalidInputException(fieldOf(description), description);
      case FAILED_PRECONDITION -> new PreconditionException(description, e);
      case UNAVAILABLE -> leaderOf(Status.trailersFromThrowable(e)) != null
          ? new NotLeaderException(leaderOf(Status.trailersFromThrowable(e)))
          : new UnavailableException(description, e);
      case ABORTED, ALREADY_EXISTS -> new ConflictException(description);
      case NOT_FOUND -> new NotFoundException(description);
      case PERMISSION_DENIED, UNAUTHENTICATED -> new PermissionDeniedException(description);
      case DEADLINE_EXCEEDED -> new DeadlineExceededException(description, e);
      default -> new UnavailableException(status.getCode() + ": " + description, e);
    };
  }

  /** The leader address a standby put in the {@link #LEADER} trailer, if it is a plain host:port; else null. */
  public static String leaderOf(io.grpc.Metadata trailers) {
    String leader = trailers == null ? null : trailers.get(LEADER);
    if (leader == null || !leader.matches("[A-Za-z0-9.\\-\\[\\]:]{1,255}:\\d{1,5}")) {
      return null;
    }
    return leader;
  }

  private static String fieldOf(String description) {
    int colon = description.indexOf(':');
    return colon > 0 ? description.substring(0, colon) : "request";
  }

  private static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
