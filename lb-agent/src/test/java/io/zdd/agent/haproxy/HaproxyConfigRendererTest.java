package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.agent.exec.CommandRunner;
import io.zdd.agent.exec.ProcessCommandRunner;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ColourFrontend;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HealthCheck;
import io.zdd.common.model.ProxyMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HaproxyConfigRendererTest {
  @TempDir Path dir;

  static BackendSet web() {
    return new BackendSet(GroupName.of("web"), 7, 10000, ProxyMode.HTTP, "roundrobin",
        Optional.of(new HealthCheck("/health", 500, 2, 3)),
        List.of(new BackendServer("web-blue-1", "10.0.0.1", 31001, 100, AdminState.READY, Colour.BLUE, "t1"),
            new BackendServer("web-green-1", "10.0.0.2", 31002, 0, AdminState.MAINT, Colour.GREEN, "t2")),
        List.of(new ColourFrontend(Colour.BLUE, 10001), new ColourFrontend(Colour.GREEN, 10002)));
  }

  static BackendSet db() {
    return new BackendSet(GroupName.of("db"), 1, 5432, ProxyMode.TCP, "leastconn", Optional.empty(),
        List.of(new BackendServer("db-1", "fd00::5", 5432, 10, AdminState.DRAIN, Colour.NONE, "")), List.of());
  }

  @Test
  void rendersGoldenOutputSortedByGroup() {
    String cfg = new HaproxyConfigRenderer("127.0.0.1", 3).render(List.of(web(), db()), Epoch.of(1));
    assertThat(cfg).contains("# group db version 1\n" + DesiredSetLine.of(db(), Epoch.of(1)));
    // The desired-set lines are checked by DesiredSetLineTest; here the config HAProxy reads.
    assertThat(cfg.replaceAll("(?m)^# desired .*\n", "")).isEqualTo(HaproxyConfigRenderer.HEADER + """

        # group db version 1
        frontend zdd_fe_db
          bind 127.0.0.1:5432
          mode tcp
          default_backend zdd_be_db
        backend zdd_be_db
          mode tcp
          balance leastconn
          option redispatch
          retries 3
          server db-1 [fd00::5]:5432 weight 10 pool-max-conn -1 pool-purge-delay 5s

        # group web version 7
        frontend zdd_fe_web
          bind 127.0.0.1:10000
          mode http
          option idle-close-on-response
          default_backend zdd_be_web
        frontend zdd_fe_web:blue
          bind 127.0.0.1:10001
          mode http
          option idle-close-on-response
          use_backend zdd_be_web if { nbsrv(zdd_be_web:blue) eq 0 }
          default_backend zdd_be_web:blue
        frontend zdd_fe_web:green
          bind 127.0.0.1:10002
          mode http
          option idle-close-on-response
          use_backend zdd_be_web if { nbsrv(zdd_be_web:green) eq 0 }
          default_backend zdd_be_web:green
        backend zdd_be_web
          mode http
          balance roundrobin
          option redispatch
          retries 3
          option httpchk GET /health
          server web-blue-1 10.0.0.1:31001 weight 100 check inter 500ms rise 2 fall 3 pool-max-conn -1 pool-purge-delay 5s
          server web-green-1 10.0.0.2:31002 weight 0 check inter 500ms rise 2 fall 3 pool-max-conn -1 pool-purge-delay 5s disabled
        backend zdd_be_web:blue
          mode http
          balance roundrobin
          option redispatch
          retries 3
          option httpchk GET /health
          server web-blue-1 10.0.0.1:31001 weight 100 check inter 500ms rise 2 fall 3 pool-max-conn -1 pool-purge-delay 5s
        backend zdd_be_web:green
          mode http
          balance roundrobin
          option redispatch
          retries 3
          option httpchk GET /health
          server web-green-1 10.0.0.2:31002 weight 0 check inter 500ms rise 2 fall 3 pool-max-conn -1 pool-purge-delay 5s disabled
        """);
  }

  @Test
  void outputIsDeterministicWhateverTheInputOrder() {
    HaproxyConfigRenderer r = new HaproxyConfigRenderer();
    assertThat(r.render(List.of(web(), db()), Epoch.of(1))).isEqualTo(r.render(List.of(db(), web()), Epoch.of(1)));
  }

  @Test
  void renderedConfigPassesHaproxyCheckTogetherWithTheBaseConfig() throws Exception {
    Path base = dir.resolve("base.cfg");
    Path zdd = dir.resolve("zdd.cfg");
    Files.writeString(base, BaseConfig.defaults(dir).render());
    BaseConfig.defaults(dir).ensureServerStateFile();
    Files.writeString(zdd, new HaproxyConfigRenderer("127.0.0.1", 3).render(List.of(web(), db()), Epoch.of(1)));
    CommandRunner.Result r = new ProcessCommandRunner().run(
        List.of("/usr/sbin/haproxy", "-c", "-f", base.toString(), "-f", zdd.toString()), Duration.ofSeconds(10));
    assertThat(r.exitCode()).as(r.message()).isZero();
    // Zero warnings too: a warning would mean an option is silently ignored.
    assertThat(r.message()).doesNotContain("WARNING");
  }

  @Test
  void baseConfigHasMasterWorkerAdminSocketAndStateFile() {
    String base = BaseConfig.defaults(Path.of("/run/zdd")).withHardStopAfter(Duration.ofSeconds(90)).render();
    assertThat(base).contains("  master-worker\n")
        .contains("  stats socket /run/zdd/admin.sock mode 600 level admin expose-fd listeners\n")
        .contains("  hard-stop-after 90000ms\n")
        .contains("  server-state-file /run/zdd/server-state\n")
        .contains("  load-server-state-from-file global\n");
  }

  @Test
  void frontendsListenInTheGivenNetworkNamespace() {
    String cfg = new HaproxyConfigRenderer("10.0.0.2", Optional.of("lb-ns"), 3).render(List.of(web()), Epoch.of(1));
    List<String> binds = cfg.lines().filter(l -> l.startsWith("  bind ")).toList();
    assertThat(binds).isNotEmpty().allMatch(l -> l.matches("  bind 10\\.0\\.0\\.2:\\d+ namespace lb-ns"), "in lb-ns");
    assertThat(new HaproxyConfigRenderer("10.0.0.2", 3).render(List.of(web()), Epoch.of(1))).doesNotContain("namespace");
  }

  @Test
  void refusesUnsafeBindAddressAndPaths() {
    assertThatThrownBy(() -> new HaproxyConfigRenderer("0.0.0.0\n  bind", 3)).isInstanceOf(InvalidInputException.class);
    for (String ns : List.of("..", "a b", "ns\n  bind *:1", "")) {
      assertThatThrownBy(() -> new HaproxyConfigRenderer("127.0.0.1", Optional.of(ns), 3)).as(ns)
          .isInstanceOf(InvalidInputException.class);
    }
    assertThatThrownBy(() -> BaseConfig.defaults(Path.of("/tmp/a b")).render()).isInstanceOf(InvalidInputException.class);
  }
}
