package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.error.ZddException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * HAProxy's replies as a broken or hostile HAProxy could send them: the real 2.6 fixtures cut,
 * spliced, with lines dropped or repeated and bytes replaced, and plain arbitrary text. Every
 * parser either returns or throws one of zdd's own exceptions; nothing else escapes (no
 * NumberFormatException, no index errors). Fixed seed; raise tries for longer runs.
 */
class HaproxyReplyProperties {
  private static final List<String> FIXTURES = List.of("show-stat-2.6.12.csv", "show-proc-2.6.12.txt",
      "show-proc-old-workers-2.6.12.txt", "show-servers-state-2.6.12.txt", "show-info-2.6.12.txt",
      "marathon-lb-haproxy_stats.csv");

  private static String fixture(String name) {
    try (var in = HaproxyReplyProperties.class.getResourceAsStream("/haproxy/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fixture with lines dropped, repeated or garbled, or cut short, or arbitrary text. */
  @Provide
  static Arbitrary<String> replies() {
    Arbitrary<String> base = Arbitraries.of(FIXTURES).map(HaproxyReplyProperties::fixture);
    Arbitrary<String> garbled = Combinators.combine(base, Arbitraries.integers().between(0, 1000),
        Arbitraries.strings().withChars(",;#:\n \t-0123456789abcxyz\u0000\u00ff\"").ofMaxLength(12),
        Arbitraries.integers().between(0, 3))
        .as((text, at, junk, how) -> {
          List<String> lines = new ArrayList<>(text.lines().toList());
          int i = lines.isEmpty() ? 0 : at % lines.size();
          switch (how) {
            case 0 -> {
              if (!lines.isEmpty()) {
                lines.remove(i);
              }
            }
            case 1 -> {
              if (!lines.isEmpty()) {
                lines.add(i, lines.get(i));
              }
            }
            case 2 -> {
              if (!lines.isEmpty()) {
                String l = lines.get(i);
                int c = l.isEmpty() ? 0 : at % l.length();
                lines.set(i, l.substring(0, c) + junk + l.substring(c));
              }
            }
            default -> {
              return text.substring(0, Math.min(text.length(), at));
            }
          }
          return String.join("\n", lines);
        });
    return Arbitraries.oneOf(garbled, garbled, Arbitraries.strings().ofMaxLength(300));
  }

  private static void parsesOrRefuses(Function<String, ?> parser, String text) {
    try {
      assertThat(parser.apply(text)).isNotNull();
    } catch (ZddException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @Property(seed = "20261204")
  void showStat(@ForAll("replies") String text) {
    parsesOrRefuses(StatCsv::parse, text);
  }

  @Property(seed = "20261204")
  void showProc(@ForAll("replies") String text) {
    parsesOrRefuses(ProcTable::parse, text);
  }

  @Property(seed = "20261204")
  void showServersState(@ForAll("replies") String text) {
    parsesOrRefuses(ServerStateRow::parse, text);
  }

  @Property(seed = "20261204")
  void showInfo(@ForAll("replies") String text) {
    parsesOrRefuses(HaproxyInfo::parse, text);
  }

  @Property(seed = "20261204")
  void configFiles(@ForAll("replies") String text) {
    parsesOrRefuses(BaseConfigBinds::parse, text);
    parsesOrRefuses(ConfigBlocks::parse, text);
  }
}
