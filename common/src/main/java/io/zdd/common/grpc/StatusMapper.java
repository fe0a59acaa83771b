package io.zdd.common.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.PermissionDeniedException;
import io.zdd.common.error.NotLeaderException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.ResourceExhaustedException;
import io.zdd.common.error.StaleEpochException;
import io.zdd.common.error.StaleVersionException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.error.ZddException;
import io.zdd.common.model.Validation;
import java.util.Optional;
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
    } else if (e instanceof ResourceExhaustedException) {
      status = Status.RESOURCE_EXHAUSTED;
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

  /** The domain of zdd's {@code google.rpc.ErrorInfo} details. */
  public static final String DOMAIN = "zdd.io";
  /** ErrorInfo reason of a standby's refusal; metadata {@code leader} is the leader's host:port. */
  public static final String NOT_LEADER = "NOT_LEADER";

  /**
   * The status with typed details ({@code google.rpc} messages in the standard
   * {@code grpc-status-details-bin} trailer), so clients never parse descriptions: a
   * {@code BadRequest} naming the field of an {@link InvalidInputException}, an {@code ErrorInfo}
   * ({@link #NOT_LEADER}, metadata {@code leader}) for a standby's refusal.
   */
  public static StatusRuntimeException toStatusException(Throwable t) {
    Throwable e = unwrap(t);
    Status status = toStatus(t);
    com.google.rpc.Status.Builder rich = com.google.rpc.Status.newBuilder()
        .setCode(status.getCode().value())
        .setMessage(status.getDescription() == null ? "" : status.getDescription());
    if (e instanceof InvalidInputException iie) {
      rich.addDetails(Any.pack(BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
          .setField(iie.field()).setDescription(iie.reason())).build()));
    } else if (e instanceof NotLeaderException nl && nl.leader().isPresent()) {
      rich.addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(DOMAIN).setReason(NOT_LEADER)
          .putMetadata("leader", nl.leader().get()).build()));
    }
    return StatusProto.toStatusRuntimeException(rich.build());
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
      case INVALID_ARGUMENT, OUT_OF_RANGE -> badRequest(e)
          .map(v -> new InvalidInputException(v.getField(), v.getDescription()))
          .orElseGet(() -> new InvalidInputException("request", description));
      case FAILED_PRECONDITION -> new PreconditionException(description, e);
      case UNAVAILABLE -> leaderOf(e).<ZddException>map(NotLeaderException::new)
          .orElseGet(() -> new UnavailableException(description, e));
      case ABORTED, ALREADY_EXISTS -> new ConflictException(description);
      case NOT_FOUND -> new NotFoundException(description);
      case PERMISSION_DENIED, UNAUTHENTICATED -> new PermissionDeniedException(description);
      case DEADLINE_EXCEEDED -> new DeadlineExceededException(description, e);
      default -> new UnavailableException(status.getCode() + ": " + description, e);
    };
  }

  /** The leader a standby named in its {@link #NOT_LEADER} detail, if it is a plain host:port. */
  public static Optional<String> leaderOf(Throwable t) {
    return details(t, ErrorInfo.class)
        .filter(i -> DOMAIN.equals(i.getDomain()) && NOT_LEADER.equals(i.getReason()))
        .map(i -> i.getMetadataOrDefault("leader", ""))
        .filter(Validation::isHostPort);
  }

  private static Optional<BadRequest.FieldViolation> badRequest(Throwable t) {
    return details(t, BadRequest.class).filter(b -> b.getFieldViolationsCount() > 0).map(b -> b.getFieldViolations(0));
  }

  private static <T extends Message> Optional<T> details(Throwable t, Class<T> type) {
    com.google.rpc.Status rich = StatusProto.fromThrowable(t);
    if (rich == null) {
      return Optional.empty();
    }
    for (Any any : rich.getDetailsList()) {
      if (any.is(type)) {
        try {
          return Optional.of(any.unpack(type));
        } catch (InvalidProtocolBufferException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  private static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
