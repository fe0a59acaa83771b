package io.zdd.common.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.grpc.ProtoMapper;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.IpLiteral;
import io.zdd.common.model.PortRange;
import io.zdd.common.model.Validation;
import io.zdd.common.tls.SpiffeId;
import io.zdd.proto.v1.Colour;
import io.zdd.proto.v1.ColourFrontend;
import io.zdd.proto.v1.Server;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile input at the shared validators and the protobuf edge: names with spaces, newlines,
 * {@code ;}, {@code @!}, unicode, huge numbers. Invariant: a value is either accepted (and then
 * valid by every rule) or refused with InvalidInputException naming the field; nothing else
 * escapes. Fixed seeds keep bin/test repeatable; raise {@code tries} for longer runs.
 */
class HostileInputProperties {
  private static final String NAME = "[A-Za-z0-9_.-]{1,64}";

  /** Strings weighted towards what breaks parsers: separators, control and non-ASCII characters. */
  @Provide
  static Arbitrary<String> hostile() {
    Arbitrary<String> pieces = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(80),
        Arbitraries.strings().withChars("a-zA-Z0-9_.-;:@!/ \n\r\t\u0000\u00e9\u2028%$`'\"[]{}").ofMaxLength(40),
        Arbitraries.of("web", "lb-1", "10.0.0.1", "::1", "1.2.3.4:80", ":::::", "spiffe://zdd/agent/lb-1",
            "a b", "a\nb", "x;rm -rf /", "@!", "ü", "9".repeat(30), "-1", "0", "", " "));
    return Arbitraries.oneOf(pieces, Combinators.combine(pieces, pieces).as(String::concat));
  }

  @Property(seed = "20261204")
  void names_areAcceptedOnlyWhenTheyAreSafe(@ForAll("hostile") String s) {
    try {
      String ok = Validation.name("field", s);
      assertThat(ok).matches(NAME);
      assertThat(new GroupName(ok).value()).isEqualTo(ok);
    } catch (InvalidInputException e) {
      assertThat(e.field()).isEqualTo("field");
    }
  }

  @Property(seed = "20261204")
  void ipLiterals_areAddressesOnly(@ForAll("hostile") String s) {
    if (IpLiteral.isValid(s)) {
      assertThat(s).doesNotContainPattern("[\\s;@!\\[\\]/%]").doesNotContain(":80");
    }
  }

  @Property(seed = "20261204")
  void spiffeIds_roundTripOrAreRefused(@ForAll("hostile") String s) {
    Optional<SpiffeId> id = SpiffeId.parse(s);
    id.ifPresent(v -> {
      assertThat(v.uri().toString()).isEqualTo(s);
      assertThat(v.name()).matches(NAME);
    });
    Optional<SpiffeId> prefixed = SpiffeId.parse("spiffe://zdd/agent/" + s);
    prefixed.ifPresent(v -> assertThat(v.name()).isEqualTo(s).matches(NAME));
  }

  @Property(seed = "20261204")
  void portRanges_parseOrRefuseWithIllegalArgument(@ForAll("hostile") String s) {
    try {
      PortRange r = PortRange.parse(s);
      assertThat(r.first()).isBetween(1, r.last());
      assertThat(r.last()).isLessThanOrEqualTo(65535);
    } catch (IllegalArgumentException expected) {
      assertThat(expected.getMessage()).contains("port range");
    }
  }

  @Provide
  static Arbitrary<io.zdd.proto.v1.BackendSet> backendSets() {
    Arbitrary<Integer> ints = Arbitraries.oneOf(Arbitraries.integers(), Arbitraries.integers().between(0, 70000));
    Arbitrary<Server> servers = Combinators.combine(hostile(), hostile(), ints, ints)
        .as((name, addr, port, weight) -> Server.newBuilder().setName(name).setAddress(addr).setPort(port)
            .setWeight(weight).build());
    Arbitrary<ColourFrontend> colours = Combinators.combine(Arbitraries.of(Colour.values()).filter(c -> c != Colour.UNRECOGNIZED), ints)
        .as((c, p) -> ColourFrontend.newBuilder().setColour(c).setPort(p).build());
    return Combinators.combine(hostile(), Arbitraries.longs(), ints, hostile(), servers.list().ofMaxSize(4),
            colours.list().ofMaxSize(3))
        .as((group, version, port, balance, ss, cs) -> io.zdd.proto.v1.BackendSet.newBuilder().setGroup(group)
            .setVersion(version).setFrontendPort(port).setBalance(balance).addAllServers(ss).addAllColourFrontends(cs)
            .build());
  }

  @Property(seed = "20261204")
  void backendSetsAtTheGrpcEdge_areMappedValidOrRefusedNamingAField(@ForAll("backendSets") io.zdd.proto.v1.BackendSet p) {
    try {
      BackendSet set = ProtoMapper.backendSet(p);
      assertThat(set.group().value()).matches(NAME);
      assertThat(set.frontendPort()).isBetween(1, 65535);
      set.servers().forEach(s -> {
        assertThat(s.name()).matches(NAME);
        assertThat(IpLiteral.isValid(s.address())).as(s.address()).isTrue();
        assertThat(s.port()).isBetween(1, 65535);
        assertThat(s.weight()).isBetween(0, 256);
      });
    } catch (InvalidInputException e) {
      assertThat(e.field()).isNotBlank();
      assertThat(e.getMessage()).doesNotContain("\n");
    }
  }

  @Property(seed = "20261204")
  void everyAcceptedSet_survivesAProtoRoundTrip(@ForAll("backendSets") io.zdd.proto.v1.BackendSet p) {
    BackendSet set;
    try {
      set = ProtoMapper.backendSet(p);
    } catch (InvalidInputException refused) {
      return;
    }
    assertThat(ProtoMapper.backendSet(ProtoMapper.toProto(set))).isEqualTo(set);
    assertThat(List.of(set)).hasSize(1);
  }
}
