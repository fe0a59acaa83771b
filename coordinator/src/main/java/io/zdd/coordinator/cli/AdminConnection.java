package io.zdd.coordinator.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.zdd.common.tls.GrpcSecurity;
import io.zdd.common.tls.SpiffeId;
import io.zdd.common.error.NotLeaderException;
import io.zdd.common.error.ZddException;
import io.zdd.common.grpc.StatusMapper;
import io.zdd.proto.v1.CoordinatorAdminGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

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
      throw new io.zdd.common.error.InvalidInputException("--coordinator", "expected host:port, got '" + target + "'");
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

  /** Runs {@code call}, following the leader when a standby answers. Errors become domain exceptions. */
  <T> T call(Function<AdminConnection, T> call) {
    for (int hop = 0; ; hop++) {
      try {
        return call.apply(this);
      } catch (StatusRuntimeException e) {
        ZddException z = StatusMapper.toException(e);
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
