package io.zdd.agent.haproxy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.zdd.common.grpc.ProtoMapper;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The comment line each group block of {@code zdd.cfg} carries with the whole desired set and
 * the epoch it was applied under, so that an agent restarted beside a running HAProxy knows what
 * it manages from the very file HAProxy serves (the file and the desired set can never disagree:
 * one atomic rename writes both). The set travels as its protocol message in base64, which has
 * no character HAProxy's config parser treats specially.
 */
final class DesiredSetLine {
  private static final Pattern LINE = Pattern.compile("(?m)^# desired epoch (\\d{1,19}) set ([A-Za-z0-9+/=]+)$");

  /** A desired set read back from a block. */
  record Recovered(BackendSet set, Epoch epoch) {}

  private DesiredSetLine() {}

  static String of(BackendSet set, Epoch epoch) {
    return "# desired epoch " + epoch.value() + " set "
        + Base64.getEncoder().encodeToString(ProtoMapper.toProto(set).toByteArray()) + "\n";
  }

  /**
   * The desired set of one block; empty when the block has no such line (written by an older
   * agent).
   *
   * @throws IllegalArgumentException when the line is there but cannot be decoded or validated
   */
  static Optional<Recovered> in(String block) {
    Matcher m = LINE.matcher(block);
    if (!m.find()) {
      return Optional.empty();
    }
    try {
      BackendSet set = ProtoMapper.backendSet(
          io.zdd.proto.v1.BackendSet.parseFrom(Base64.getDecoder().decode(m.group(2))));
      return Optional.of(new Recovered(set, Epoch.of(Long.parseLong(m.group(1)))));
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IllegalArgumentException("unreadable desired set line: " + e.getMessage(), e);
    }
  }
}
