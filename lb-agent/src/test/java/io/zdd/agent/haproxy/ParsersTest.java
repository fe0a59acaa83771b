package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.AdminState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParsersTest {
  static final String FIXTURE = "/haproxy/marathon-lb-haproxy_stats.csv";

  static String resource(String name) throws IOException {
    try (InputStream in = ParsersTest.class.getResourceAsStream("/haproxy/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void parsesMarathonLbFixtureByHeaderNameAcrossTwoDumps() throws IOException {
    List<StatRow> rows = StatCsv.parse(new String(ParsersTest.class.getResourceAsStream(FIXTURE).readAllBytes(),
        StandardCharsets.UTF_8));
    // 33 lines, two of them headers.
    assertThat(rows).hasSize(31);
    StatRow www = rows.stream().filter(r -> r.proxy().equals("www") && r.name().equals("www")).findFirst().orElseThrow();
    assertThat(www.isServer()).isTrue();
    assertThat(www.status()).isEqualTo("UP");
    assertThat(www.stot()).isEqualTo(1343634);
    assertThat(www.checkStatus()).isEqualTo("L7OK");
    assertThat(www.weight()).isEqualTo(1);
    StatRow demo = rows.stream().filter(r -> r.proxy().equals("demo")).findFirst().orElseThrow();
    assertThat(demo.type()).isEqualTo(StatRow.BACKEND);
    assertThat(demo.scur()).isEqualTo(1);
    // The last row of the second dump: a queued MAINT row.
    StatRow queued = rows.get(rows.size() - 1);
    assertThat(queued.name()).isEqualTo("10_0_6_25_23336");
    assertThat(queued.qcur()).isEqualTo(1);
    assertThat(queued.status()).isEqualTo("MAINT");
    assertThat(queued.type()).isEqualTo(StatRow.LISTENER);
    // The fixture predates the addr column: absent, not a crash.
    assertThat(queued.addr()).isEmpty();
  }

  @Test
  void parsesLive2612OutputIncludingColumnsBeyondTheMarker() throws IOException {
    List<StatRow> rows = StatCsv.parse(resource("show-stat-2.6.12.csv"));
    StatRow s1 = rows.stream().filter(r -> r.name().equals("s1")).findFirst().orElseThrow();
    assertThat(s1.proxy()).isEqualTo("zdd_be_web");
    assertThat(s1.addr()).isEqualTo("127.0.0.1:18081");
    assertThat(s1.weight()).isEqualTo(10);
    assertThat(s1.field("uweight")).isEqualTo("10");
    assertThat(s1.field("mode")).isEqualTo("http");
    assertThat(s1.fields()).containsKey("h1_open_connections").doesNotContainKey("-");
    StatRow s2 = rows.stream().filter(r -> r.name().equals("s2")).findFirst().orElseThrow();
    assertThat(s2.status()).isEqualTo("MAINT");
    assertThat(rows.stream().filter(r -> r.type() == StatRow.FRONTEND)).isNotEmpty();
  }

  @Test
  void columnOrderDoesNotMatter() {
    String text = "# status,svname,scur,pxname,type\nUP,a,7,be,2\n";
    StatRow r = StatCsv.parse(text).get(0);
    assertThat(r.proxy()).isEqualTo("be");
    assertThat(r.scur()).isEqualTo(7);
    assertThat(r.status()).isEqualTo("UP");
  }

  @Test
  void checkInProgressMarkerIsStripped() {
    StatRow r = StatCsv.parse("# pxname,svname,check_status\nbe,a,* L4OK\n").get(0);
    assertThat(r.checkStatus()).isEqualTo("L4OK");
  }

  @Test
  void parsesServersStateWithAdminBits() throws IOException {
    List<ServerStateRow> rows = ServerStateRow.parse(resource("show-servers-state-2.6.12.txt"));
    assertThat(rows).hasSize(2);
    ServerStateRow s1 = rows.get(0);
    assertThat(s1.backend()).isEqualTo("zdd_be_web");
    assertThat(s1.server()).isEqualTo("s1");
    assertThat(s1.address()).isEqualTo("127.0.0.1");
    assertThat(s1.port()).isEqualTo(18081);
    assertThat(s1.userWeight()).isEqualTo(10);
    assertThat(s1.adminState()).isEqualTo(AdminState.READY);
    // "disabled" in the config: forced + config maintenance bits (0x05).
    assertThat(rows.get(1).adminBits()).isEqualTo(5);
    assertThat(rows.get(1).adminState()).isEqualTo(AdminState.MAINT);
    assertThat(new ServerStateRow("b", "s", "1.2.3.4", 1, 2, 0x08, 1, 1).adminState()).isEqualTo(AdminState.DRAIN);
    // A config-disabled server after 'state ready' (4) and 'state drain' (12), as 2.6.12 reports them.
    assertThat(new ServerStateRow("b", "s", "1.2.3.4", 1, 2, 0x04, 1, 1).adminState()).isEqualTo(AdminState.READY);
    assertThat(new ServerStateRow("b", "s", "1.2.3.4", 1, 2, 0x0c, 1, 1).adminState()).isEqualTo(AdminState.DRAIN);
  }

  @Test
  void parsesShowInfo() throws IOException {
    HaproxyInfo info = HaproxyInfo.parse(resource("show-info-2.6.12.txt"));
    assertThat(info.version()).isEqualTo("2.6.12-1+deb12u4");
    assertThat(info.pid()).isPositive();
    assertThat(info.stopping()).isFalse();
    assertThat(info.currentConnections()).isZero();
  }

  @Test
  void parsesShowProcWithAndWithoutOldWorkers() throws IOException {
    ProcTable plain = ProcTable.parse(resource("show-proc-2.6.12.txt"));
    assertThat(plain.masterPid()).isEqualTo(10562);
    assertThat(plain.masterReloads()).isEqualTo(1);
    assertThat(plain.failedReloads()).isZero();
    assertThat(plain.currentWorkers()).extracting(ProcTable.Proc::pid).containsExactly(10764);
    assertThat(plain.oldWorkers()).isEmpty();

    ProcTable old = ProcTable.parse(resource("show-proc-old-workers-2.6.12.txt"));
    assertThat(old.currentPid()).isEqualTo(11062);
    assertThat(old.oldWorkers()).extracting(ProcTable.Proc::pid).containsExactly(10883);
    assertThat(old.oldWorkers().get(0).reloads()).isEqualTo(2);

    String failed = "#<PID> <type> <reloads> <uptime> <version>\n4384 master 3 [failed: 1] 0d00h00m38s 2.6.12\n"
        + "# workers\n6719 worker 1 0d00h00m15s 2.6.12\n# programs\n";
    assertThat(ProcTable.parse(failed).failedReloads()).isEqualTo(1);
  }

  @Test
  void showProcWithoutMasterRowIsAnError() {
    assertThatThrownBy(() -> ProcTable.parse("Unknown command.\n")).isInstanceOf(UnavailableException.class);
  }

  @Test
  void errorRepliesBecomeTypedExceptions() {
    assertThat(HaproxyCommandException.of("c", "No such server.\n")).isInstanceOf(NoSuchServerException.class);
    assertThat(HaproxyCommandException.of("c", "No such backend.\n")).isInstanceOf(NoSuchServerException.class);
    assertThat(HaproxyCommandException.of("c", "Already exists a server with the same name in backend."))
        .isInstanceOf(ServerExistsException.class);
    assertThat(HaproxyCommandException.of("c", "Only servers in maintenance mode can be deleted."))
        .isInstanceOf(ServerNotRemovableException.class);
    assertThat(HaproxyCommandException.of("c", "Server still has connections attached to it, cannot remove it."))
        .isInstanceOf(ServerNotRemovableException.class);
    HaproxyCommandException other = HaproxyCommandException.of("set server b/s weight 300",
        "Absolute weight can only be between 0 and 256 inclusive.\n");
    assertThat(other).isInstanceOf(CommandRejectedException.class);
    assertThat(other.reply()).isEqualTo("Absolute weight can only be between 0 and 256 inclusive.");
    assertThat(other.getMessage()).contains("set server b/s weight 300");
  }
}
