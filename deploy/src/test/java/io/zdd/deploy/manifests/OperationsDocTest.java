package io.zdd.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.agent.AgentMain;
import io.zdd.coordinator.CoordinatorMain;
import io.zdd.coordinator.cli.ExitCodes;
import io.zdd.coordinator.cli.ZddCli;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * docs/operations.md documents every flag and environment variable the agent, the coordinator
 * and the CLI accept (read from their picocli models, so a new option without documentation
 * fails here), and every CLI exit code.
 */
class OperationsDocTest {
  private static final Pattern ENV = Pattern.compile("(?:Env: |\\[)([A-Z][A-Z0-9_]+)");
  private static String doc;

  @BeforeAll
  static void read() throws Exception {
    doc = Files.readString(ManifestFiles.repository().resolve("docs/operations.md"));
  }

  static List<String> undocumented(CommandLine command) {
    List<String> missing = new ArrayList<>();
    for (OptionSpec o : command.getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      String flag = o.longestName();
      if (!doc.contains("`" + flag + "`") && !doc.contains("`" + flag + "=")) {
        missing.add(command.getCommandName() + " " + flag);
      }
      Matcher env = ENV.matcher(String.join(" ", o.description()));
      while (env.find()) {
        if (!doc.contains("`" + env.group(1) + "`")) {
          missing.add(command.getCommandName() + " " + flag + " env " + env.group(1));
        }
      }
    }
    return missing;
  }

  @Test
  void everyAgentFlagAndVariableIsDocumented() {
    CommandLine agent = new CommandLine(new AgentMain());
    assertThat(agent.getCommandSpec().options()).hasSizeGreaterThan(20);
    assertThat(undocumented(agent)).isEmpty();
  }

  @Test
  void everyCoordinatorFlagAndVariableIsDocumented() {
    assertThat(undocumented(new CommandLine(new CoordinatorMain()))).isEmpty();
  }

  @Test
  void everyCliFlagOfEveryCommandIsDocumented() {
    CommandLine cli = new CommandLine(new ZddCli());
    List<String> missing = new ArrayList<>(undocumented(cli));
    cli.getSubcommands().forEach((name, sub) -> {
      missing.addAll(undocumented(sub));
      assertThat(doc).as("section for zdd " + name).contains("`zdd " + name);
    });
    assertThat(missing).isEmpty();
  }

  @Test
  void everyExitCodeIsInTheTable() throws Exception {
    int codes = 0;
    for (Field f : ExitCodes.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
        assertThat(doc).as("exit code %s (%s)", f.getInt(null), f.getName()).containsPattern("(?m)^\\| " + f.getInt(null) + " \\| ");
        codes++;
      }
    }
    // And the table lists no code the CLI does not have.
    String table = doc.substring(doc.indexOf("#### Exit codes"));
    table = table.substring(0, table.indexOf("\n#", 1) < 0 ? table.length() : table.indexOf("\n#", 1));
    assertThat(Pattern.compile("(?m)^\\| \\d+ \\| ").matcher(table).results().count()).isEqualTo(codes);
  }

  /** The check notices an option the page does not mention. */
  @Test
  void anUndocumentedOptionIsFound() {
    @CommandLine.Command(name = "probe")
    class Probe {
      @SuppressWarnings("unused") // read by picocli only
      @CommandLine.Option(names = "--not-in-the-guide", description = "x [ZDD_NOT_IN_THE_GUIDE]") String x;
    }
    assertThat(undocumented(new CommandLine(new Probe())))
        .containsExactly("probe --not-in-the-guide", "probe --not-in-the-guide env ZDD_NOT_IN_THE_GUIDE");
  }
}
