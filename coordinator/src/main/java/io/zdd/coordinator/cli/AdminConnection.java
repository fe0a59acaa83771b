package io.zdd.coordinator.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.zdd.common.config.Durations;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotLeaderException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.error.ZddException;
import io.zdd.common.grpc.StatusMapper;
import io.zdd.common.tls.GrpcSecurity;
import io.zdd.common.tls.SpiffeId;
import io.zdd.proto.v1.CoordinatorAdminGrpc;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * The CLI's connection to the coordinators. A call that reaches a standby comes back as
 * {@link NotLeaderException} with the leader's address; the call is then repeated there (at most
 * three hops, so two confused coordinators cannot bounce it forever).
 */
final class AdminConnection implements AutoCloseable {
  private static final int MAX_HOPS = 3;

  private String target;
  private ManagedChannel channel;
  private final Duration deadline;
  private final GrpcSecurity security;

  /** Takes ownership of {@code security}: closed with the connection. */
  AdminConnection(String target, Duration deadline, GrpcSecurity security) {
    this.target = target;
    this.deadline = deadline;
    this.security = security;
    try {
      this.channel = open(target);
    } catch (RuntimeException e) {
      security.close();
      throw e;
    }
  }

  /** A channel to a coordinator: with TLS, only a coordinator certificate of the cluster is accepted. */
  private ManagedChannel open(String target) {
    int i = target.lastIndexOf(':');
    int port;
    try {
      port = i <= 0 ? -1 : Integer.parseInt(target.substring(i + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new InvalidInputException("--coordinator", "expected host:port, got '" + target + "'");
    }
    return security.channel(target.substring(0, i), port, SpiffeId.Role.COORDINATOR).build();
  }

  String target() {
    return target;
  }

  /** A blocking stub with the per-call deadline. */
  CoordinatorAdminGrpc.CoordinatorAdminBlockingStub blocking() {
    return CoordinatorAdminGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A stub without deadline, for the long-lived watch stream. */
  CoordinatorAdminGrpc.CoordinatorAdminBlockingStub streaming() {
    return CoordinatorAdminGrpc.newBlockingStub(channel);
  }

  /** A stub for a stream that must end by {@code limit} ({@code status --wait --timeout}). */
  CoordinatorAdminGrpc.CoordinatorAdminBlockingStub streaming(Duration limit) {
    return CoordinatorAdminGrpc.newBlockingStub(channel).withDeadlineAfter(limit.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The domain error for a failed call: a failure to reach this coordinator (refused, unknown
   * host, TLS, no answer in time) becomes one line naming the address and the cause, instead of
   * gRPC's "io exception"; anything the coordinator answered maps as {@link StatusMapper} says.
   */
  ZddException failure(StatusRuntimeException e) {
    Optional<String> cause = transportCause(e, deadline);
    if (cause.isEmpty()) {
      return StatusMapper.toException(e);
    }
    String message = "cannot reach coordinator " + target + ": " + cause.get();
    return e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
        ? new DeadlineExceededException(message, e) : new UnavailableException(message, e);
  }

  /**
   * Why the call never got an answer from the coordinator, or empty when the coordinator itself
   * answered (a standby naming the leader, a refusal). gRPC reports transport failures as
   * UNAVAILABLE with the socket's or TLS engine's exception as cause, and deadlines it enforced
   * itself with a description starting "deadline exceeded" or "ClientCall started after".
   */
  static Optional<String> transportCause(StatusRuntimeException e, Duration deadline) {
    Status s = e.getStatus();
    if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      String d = s.getDescription() == null ? "" : s.getDescription();
      if (d.contains("deadline exceeded after") || d.startsWith("ClientCall started after") || d.isEmpty()) {
        return Optional.of("no answer within " + Durations.format(deadline) + " (--timeout)");
      }
      return Optional.empty();
    }
    if (s.getCode() != Status.Code.UNAVAILABLE) {
      return Optional.empty();
    }
    for (Throwable t = s.getCause(); t != null; t = t.getCause()) {
      String m = t.getMessage() == null ? "" : t.getMessage();
      if (t instanceof ConnectException) {
        return Optional.of(m.toLowerCase(Locale.ROOT).contains("refused") ? "connection refused" : "cannot connect (" + m + ")");
      }
      if (t instanceof UnknownHostException) {
        return Optional.of("unknown host " + m);
      }
      if (t instanceof NoRouteToHostException) {
        return Optional.of("no route to host");
      }
      if (t instanceof CertPathValidatorException || m.contains("PKIX") || m.contains("unable to find valid certification path")) {
        return Optional.of("TLS: the coordinator's certificate is not signed by the CA given (--tls-ca or ZDD_TLS_CA)");
      }
      if (t instanceof CertificateException && !(t.getCause() instanceof CertificateException)) {
        return Optional.of("TLS: wrong identity: " + m);
      }
    }
    for (Throwable t = s.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return Optional.of("TLS handshake failed: " + oneLine(t.getMessage()));
      }
    }
    if (s.getCause() != null) {
      return Optional.of(oneLine(s.getCause().getMessage() == null ? s.getCause().getClass().getSimpleName() : s.getCause().getMessage()));
    }
    String d = s.getDescription() == null ? "" : s.getDescription();
    if (d.equals("io exception") || d.startsWith("Network closed") || d.startsWith("Connection closed")
        || d.startsWith("Channel shutdown")) {
      // The connection closed during the handshake: typically TLS on one side and plaintext on the other.
      return Optional.of("connection closed before an answer (" + d + "; TLS on one side and --insecure on the other?)");
    }
    return Optional.empty();
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("[\\r\\n]+", " ").trim();
  }

  /** Runs {@code call}, following the leader when a standby answers. Errors become domain exceptions. */
  <T> T call(Function<AdminConnection, T> call) {
    for (int hop = 0; ; hop++) {
      try {
        return call.apply(this);
      } catch (StatusRuntimeException e) {
        ZddException z = failure(e);
        if (z instanceof NotLeaderException nl && nl.leader().isPresent() && hop < MAX_HOPS
            && !nl.leader().get().equals(target)) {
          switchTo(nl.leader().get());
          continue;
        }
        throw z;
      }
    }
  }

  private void switchTo(String leader) {
    channel.shutdownNow();
    target = leader;
    channel = open(leader);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    security.close();
  }
}
