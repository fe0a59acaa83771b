package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.agent.exec.CommandRunner;
import io.zdd.common.error.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file side of the applier with a scripted {@code haproxy -c} (no reloads here; those are
 * covered against real HAProxy in the ITs). Sockets point nowhere: nothing may be sent.
 */
class HaproxyConfigApplierTest {
  @TempDir Path dir;
  final List<List<String>> ran = new ArrayList<>();
  CommandRunner.Result next;
  HaproxyConfigApplier applier;
  Path live;

  @BeforeEach
  void setUp() throws Exception {
    live = dir.resolve("zdd.cfg");
    Files.writeString(live, "# old\n");
    HaproxyPaths paths = new HaproxyPaths(Path.of("/usr/sbin/haproxy"), dir.resolve("base.cfg"), live,
        dir.resolve("none.sock"), dir.resolve("none-master.sock"));
    CommandRunner runner = (cmd, stdin, timeout) -> {
      ran.add(cmd);
      return next;
    };
    applier = new HaproxyConfigApplier(paths, runner, new MasterCli(paths.masterSocket()),
        new HaproxyRuntimeClient(paths.statsSocket()), Optional.empty(), Duration.ofSeconds(5),
        Duration.ofSeconds(5), () -> "");
  }

  @Test
  void validatesBaseAndCandidateTogetherThenRenamesKeepingLastGood() throws Exception {
    next = new CommandRunner.Result(List.of(), 0, "Configuration file is valid", "");
    applier.apply("# new\n", false);
    // Validated once, and nothing else run or sent (the sockets point nowhere: no reload).
    assertThat(ran).singleElement().isEqualTo(List.of("/usr/sbin/haproxy", "-c",
        "-f", dir.resolve("base.cfg").toString(), "-f", dir.resolve("zdd.cfg.tmp").toString()));
    assertThat(Files.readString(live)).isEqualTo("# new\n");
    assertThat(Files.readString(applier.lastGoodPath())).isEqualTo("# old\n");
    assertThat(dir.resolve("zdd.cfg.tmp")).doesNotExist();
  }

  @Test
  void unchangedBytesWithoutReloadDoNothing() {
    applier.apply("# old\n", false);
    // Not written: not validated, no last-good copy made, no temp file left.
    assertThat(ran).isEmpty();
    assertThat(applier.lastGoodPath()).doesNotExist();
    assertThat(dir.resolve("zdd.cfg.tmp")).doesNotExist();
  }

  @Test
  void refusedConfigLeavesTheLiveFileAndReportsHaproxysAlerts() throws Exception {
    next = new CommandRunner.Result(List.of(), 1, "",
        "[NOTICE]   (1) : haproxy version is 2.6.12\n"
            + "[ALERT]    (1) : config : parsing [zdd.cfg.tmp:3] : unknown keyword 'bogus' in 'backend' section\n"
            + "[ALERT]    (1) : config : Fatal errors found in configuration.\n");
    assertThatThrownBy(() -> applier.apply("# bad\n", true))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("haproxy_config")
        .hasMessageContaining("unknown keyword 'bogus'")
        .hasMessageNotContaining("NOTICE");
    assertThat(Files.readString(live)).isEqualTo("# old\n");
    assertThat(dir.resolve("zdd.cfg.tmp")).doesNotExist();
    assertThat(applier.lastGoodPath()).doesNotExist();
  }

  @Test
  void theCallerGetsAShortReason_theLogGetsTheWholeOutput() {
    String alerts = """
        [ALERT]    (13689) : Binding [/tmp/junit-1/run/zdd.cfg:6] for frontend zdd_fe_busy: cannot bind socket \
        (Address already in use) for [127.0.0.1:42153]
        [ALERT]    (13689) : [/usr/sbin/haproxy.main()] Some protocols failed to start their listeners! Exiting.""";
    String reason = HaproxyConfigApplier.reason(HaproxyConfigApplier.alerts(alerts));
    assertThat(reason).isEqualTo("Binding [zdd.cfg:6] for frontend zdd_fe_busy: cannot bind socket "
        + "(Address already in use) for [127.0.0.1:42153] (more in the agent's log)");
    assertThat(HaproxyConfigApplier.reason("x".repeat(1000))).hasSize(301);
  }
}
