package io.zdd.coordinator.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.zdd.common.error.ZddException;
import io.zdd.coordinator.cli.ExitCodes;
import io.zdd.coordinator.cli.ZddCli;
import io.zdd.coordinator.engine.AppJson;
import io.zdd.coordinator.marathon.MarathonJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile input at the coordinator's parsers: app definitions and Marathon replies (the real
 * fixtures with characters replaced, values swapped for hostile ones, cut short), and CLI
 * command lines. Invariants: a parser accepts or throws one of zdd's exceptions naming what is
 * wrong; the CLI ends with a documented exit code and never throws. Fixed seed.
 */
class HostileInputProperties {
  private static final List<String> APPS = List.of("1-nginx.json", "1-nginx-marathon1.5.json", "zdd_app_blue.json",
      "zdd_app_blue_marathon1.5.json");
  private static final List<String> REPLIES = List.of("zdd_apps.json", "marathon15_apps.json");

  private static String fixture(String name) {
    try (var in = HostileInputProperties.class.getResourceAsStream("/marathon/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Arbitrary<String> hostileValues() {
    return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(20),
        Arbitraries.of("\"a b\"", "\"x;rm -rf /\"", "\"\\n\"", "\"\\u0000\"", "\"ü\"", "-1", "1e309", "99999999999999999999",
            "null", "[]", "{}", "true", "\"/..\"", "\"@!\""));
  }

  /** A fixture with one value, or one character range, replaced, or cut short. */
  private static Arbitrary<String> mutated(List<String> names) {
    Arbitrary<String> base = Arbitraries.of(names).map(HostileInputProperties::fixture);
    return Combinators.combine(base, Arbitraries.integers().between(0, 5000), hostileValues(),
        Arbitraries.integers().between(0, 2))
        .as((text, at, value, how) -> {
          int i = at % Math.max(1, text.length());
          return switch (how) {
            case 0 -> text.replaceFirst(":\\s*(\"[^\"]*\"|-?\\d+|true|false|null)(?=[^:]{" + Math.min(i, 200) + ",})",
                ": " + Matcher.quoteReplacement(value));
            case 1 -> text.substring(0, i) + value + text.substring(Math.min(text.length(), i + 3));
            default -> text.substring(0, i);
          };
        });
  }

  @Provide
  static Arbitrary<String> appDefinitions() {
    return mutated(APPS);
  }

  @Provide
  static Arbitrary<String> appsReplies() {
    return mutated(REPLIES);
  }

  @Property(seed = "20261204")
  void appDefinitions_parseOrAreRefusedNamingAField(@ForAll("appDefinitions") String json) {
    try {
      AppJson app = AppJson.parse(json);
      assertThat(app.id()).matches("/?[a-z0-9][a-z0-9./-]*");
      assertThat(app.group()).matches("[A-Za-z0-9_.-]{1,64}");
    } catch (io.zdd.common.error.InvalidInputException e) {
      assertThat(e.field()).isNotBlank();
    }
  }

  @Property(seed = "20261204")
  void marathonReplies_parseOrAreRefused(@ForAll("appsReplies") String text) {
    try {
      JsonNode reply = MarathonJson.parseObject("GET /v2/apps", text);
      assertThat(MarathonJson.parseAppsReply(reply)).isNotNull();
    } catch (ZddException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  @Provide
  static Arbitrary<List<String>> commandLines() {
    Arbitrary<String> words = Arbitraries.oneOf(
        Arbitraries.of("deploy", "plan", "status", "list", "agents", "promote", "pause", "resume", "abort", "--json",
            "--watch", "--all", "--group", "--traffic", "--max-wait", "--step-delay", "-n", "--detach", "--help",
            "--pre-kill-hook", "--drain-policy", "--timeout", "PT0.1S", "10,50,100", "-1", "1e9", "/etc/passwd"),
        Arbitraries.strings().ofMaxLength(12));
    return words.list().ofMaxSize(6);
  }

  /** Every exit code {@link ExitCodes} declares. */
  private static final List<Integer> DOCUMENTED_EXIT_CODES = Arrays.stream(ExitCodes.class.getFields())
      .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == int.class)
      .map(f -> {
        try {
          return f.getInt(null);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }).toList();

  @Property(seed = "20261204")
  void theCli_endsWithADocumentedExitCode_whateverItIsGiven(@ForAll("commandLines") List<String> words) {
    List<String> args = new ArrayList<>(List.of("--insecure", "--coordinator", "127.0.0.1:1", "--timeout", "PT0.2S"));
    args.addAll(words);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ZddCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
    assertThat(DOCUMENTED_EXIT_CODES).contains(code);
    assertThat(err.toString().chars()).noneMatch(c -> c < 0x20 && c != '\n' && c != '\t');
  }
}
