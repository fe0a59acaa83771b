package io.zdd.common.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.zdd.common.error.ConflictException;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.NotLeaderException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.StaleEpochException;
import io.zdd.common.error.StaleVersionException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.error.ZddException;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatusMapperTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(new InvalidInputException("backend_set.frontend_port", "port must be 1..65535"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(new StaleEpochException(4, 5), Status.Code.FAILED_PRECONDITION),
        Arguments.of(new StaleVersionException("web", 1, 2), Status.Code.FAILED_PRECONDITION),
        Arguments.of(new PreconditionException("needs CAP_NET_ADMIN"), Status.Code.FAILED_PRECONDITION),
        Arguments.of(new NotLeaderException("10.0.0.1:7000"), Status.Code.UNAVAILABLE),
        Arguments.of(new UnavailableException("haproxy socket closed"), Status.Code.UNAVAILABLE),
        Arguments.of(new ConflictException("group web is deploying"), Status.Code.ABORTED),
        Arguments.of(new NotFoundException("no deployment x"), Status.Code.NOT_FOUND),
        Arguments.of(new DeadlineExceededException("slow"), Status.Code.DEADLINE_EXCEEDED));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void domainException_mapsToItsCode_andKeepsTheMessage(ZddException e, Status.Code code) {
    Status s = StatusMapper.toStatus(e);
    assertThat(s.getCode()).isEqualTo(code);
    assertThat(s.getDescription()).isEqualTo(e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("cases")
  void statusBackToException_isTheSameKind(ZddException e, Status.Code code) {
    ZddException back = StatusMapper.toException(
        Status.fromCode(code).withDescription(e.getMessage()).asRuntimeException());
    assertThat(StatusMapper.toStatus(back).getCode()).isEqualTo(code);
  }

  @Test
  void wrappedInCompletionException_isUnwrapped() {
    Status s = StatusMapper.toStatus(new CompletionException(new NotFoundException("gone")));
    assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void otherDomainRefusal_isFailedPrecondition() {
    ZddException haproxyRefused = new ZddException("HAProxy refused: Backend is using a static LB algorithm") {};
    assertThat(StatusMapper.toStatus(haproxyRefused).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void unexpectedException_isInternal_namingTheType() {
    Status s = StatusMapper.toStatus(new IllegalStateException("boom"));
    assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(s.getDescription()).isEqualTo("IllegalStateException: boom");
  }

  @Test
  void notLeader_roundTrip_keepsLeaderAddress() {
    var sre = StatusMapper.toStatusException(new NotLeaderException("coord-2:7100"));
    ZddException back = StatusMapper.toException(sre);
    assertThat(back).isInstanceOf(NotLeaderException.class);
    assertThat(((NotLeaderException) back).leader()).contains("coord-2:7100");
  }

  @Test
  void invalidArgument_roundTrip_keepsField() {
    var sre = StatusMapper.toStatusException(new InvalidInputException("options.traffic", "must end at 100"));
    ZddException back = StatusMapper.toException(sre);
    assertThat(back).isInstanceOf(InvalidInputException.class);
    assertThat(((InvalidInputException) back).field()).isEqualTo("options.traffic");
  }

  @Test
  void plainUnavailable_isNotMistakenForNotLeader() {
    ZddException back = StatusMapper.toException(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException());
    assertThat(back).isInstanceOf(UnavailableException.class);
  }

  @Test
  void theLeaderIsFollowedOnlyFromItsTypedDetail_neverFromText() {
    io.grpc.StatusRuntimeException fromStandby = StatusMapper.toStatusException(new NotLeaderException("10.0.0.7:7100"));
    assertThat(StatusMapper.toException(fromStandby)).isInstanceOfSatisfying(NotLeaderException.class,
        nl -> assertThat(nl.leader()).contains("10.0.0.7:7100"));

    // Text that looks like a redirect, from anything that is not the trailer, is just unavailability.
    io.grpc.StatusRuntimeException forged = Status.UNAVAILABLE
        .withDescription("this coordinator is not the leader; leader=evil.example:7100").asRuntimeException();
    assertThat(StatusMapper.toException(forged)).isInstanceOf(UnavailableException.class)
        .isNotInstanceOf(NotLeaderException.class);

    // A detail whose leader is not a plain host:port, or of another domain, is not followed either.
    for (com.google.rpc.ErrorInfo info : java.util.List.of(
        com.google.rpc.ErrorInfo.newBuilder().setDomain(StatusMapper.DOMAIN).setReason(StatusMapper.NOT_LEADER)
            .putMetadata("leader", "evil.example:7100 --insecure").build(),
        com.google.rpc.ErrorInfo.newBuilder().setDomain("other.example").setReason(StatusMapper.NOT_LEADER)
            .putMetadata("leader", "10.0.0.8:7100").build())) {
      io.grpc.StatusRuntimeException bad = io.grpc.protobuf.StatusProto.toStatusRuntimeException(
          com.google.rpc.Status.newBuilder().setCode(Status.Code.UNAVAILABLE.value())
              .addDetails(com.google.protobuf.Any.pack(info)).build());
      assertThat(StatusMapper.toException(bad)).isNotInstanceOf(NotLeaderException.class);
    }
  }

  @Test
  void theBadFieldTravelsAsABadRequestDetail_notInTheText() {
    io.grpc.StatusRuntimeException sent = StatusMapper.toStatusException(
        new InvalidInputException("backend_set.servers[2].port", "must be 1..65535, got 0"));
    ZddException back = StatusMapper.toException(sent);
    assertThat(back).isInstanceOfSatisfying(InvalidInputException.class, iie -> {
      assertThat(iie.field()).isEqualTo("backend_set.servers[2].port");
      assertThat(iie.reason()).isEqualTo("must be 1..65535, got 0");
    });
    // Without the detail nothing is parsed out of the description.
    ZddException plain = StatusMapper.toException(
        Status.INVALID_ARGUMENT.withDescription("options.x: looks like a field").asRuntimeException());
    assertThat(((InvalidInputException) plain).field()).isEqualTo("request");
  }

  @Test
  void permissionDenied_andUnauthenticated_becomePermissionDenied() {
    assertThat(StatusMapper.toStatus(new io.zdd.common.error.PermissionDeniedException("no")).getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(StatusMapper.toException(Status.UNAUTHENTICATED.withDescription("who?").asRuntimeException()))
        .isInstanceOf(io.zdd.common.error.PermissionDeniedException.class).hasMessage("who?");
  }
}
