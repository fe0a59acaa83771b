package io.zdd.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Flags, environment variables, --help and refusal of bad settings before anything starts. */
class AgentMainTest {
  private static final List<String> FLAGS = List.of("--agent-id", "--grpc-listen", "--advertise-address",
      "--metrics-listen", "--data-dir", "--haproxy-mode", "--haproxy-bin", "--haproxy-run-dir", "--hard-stop-after",
      "--stats-socket", "--master-socket", "--haproxy-base-config", "--haproxy-zdd-config", "--server-state-file",
      "--frontend-bind-address", "--frontend-port-range", "--lb-group", "--zk-connect", "--zk-root",
      "--zk-session-timeout", "--zk-digest-file", "--zk-tls", "--frontend-netns", "--iptables-netns",
      "--iptables-restore", "--iptables-save", "--sample-interval", "--heartbeat",
      "--idle-sample-interval", "--sample-hot-window", "--reload-detection", "--max-message-size",
      "--max-concurrent-calls", "--max-groups", "--max-servers-per-backend", "--max-streams", "--shutdown-grace",
      "--config-sync");

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = AgentMain.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    PrintWriter o = new PrintWriter(out, true);
    PrintWriter e = new PrintWriter(err, true);
    cl.setOut(o);
    cl.setErr(e);
    int exit = cl.execute(args);
    o.flush();
    e.flush();
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void help_explainsEveryFlagAndItsEnvironmentVariable() {
    Run r = run("--help");

    assertThat(r.exit()).isZero();
    String help = r.out().replaceAll("\\s+", " ");
    for (Field f : AgentConfig.class.getDeclaredFields()) {
      CommandLine.Option o = f.getAnnotation(CommandLine.Option.class);
      if (o != null) {
        String env = o.defaultValue().replaceAll("^\\$\\{env:([A-Z_]+).*$", "$1");
        assertThat(help).as(o.names()[0]).contains(o.names()[0]).contains("Env: " + env + ".");
      }
    }
    assertThat(help).contains("Default: 127.0.0.1:7100").contains("supervise: start HAProxy")
        .contains("--tls-ca").contains("--tls-cert").contains("--tls-key").contains("--insecure")
        .contains("Env: ZDD_TLS_CA.");
  }

  @Test
  void everyFlag_isAlsoReadFromItsEnvironmentVariable() {
    List<String> seen = new ArrayList<>();
    for (Field f : AgentConfig.class.getDeclaredFields()) {
      CommandLine.Option o = f.getAnnotation(CommandLine.Option.class);
      if (o != null) {
        assertThat(o.defaultValue()).as(o.names()[0]).startsWith("${env:ZDD_AGENT_");
        seen.add(o.names()[0]);
      }
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(FLAGS);
  }

  @Test
  void badSettings_areRefusedNamingTheFlag_beforeAnythingStarts() {
    Run port = run("--grpc-listen", "127.0.0.1:99999", "--data-dir", "/nonexistent-zdd");
    assertThat(port.exit()).isEqualTo(2);
    assertThat(port.err()).contains("--grpc-listen: port must be 1..65535");

    Run attach = run("--haproxy-mode", "attach", "--data-dir", "/nonexistent-zdd");
    assertThat(attach.exit()).isEqualTo(2);
    assertThat(attach.err()).contains("--stats-socket: is required with --haproxy-mode attach");

    Run ns = run("--iptables-netns", "a b", "--data-dir", "/nonexistent-zdd");
    assertThat(ns.err()).contains("--iptables-netns:");
    assertThat(run("--frontend-netns", "..", "--data-dir", "/nonexistent-zdd").err()).contains("--frontend-netns:");

    Run sync = run("--config-sync", "sometimes", "--data-dir", "/nonexistent-zdd");
    assertThat(sync.exit()).isEqualTo(2);
    assertThat(sync.err()).contains("--config-sync").contains("must be 'always' or 'structure', got 'sometimes'");

    Run interval = run("--sample-interval", "10ms", "--data-dir", "/nonexistent-zdd");
    assertThat(interval.err()).contains("--sample-interval: must be at least 50ms, got 10ms");
    assertThat(run("--sample-interval", "fast", "--data-dir", "/nonexistent-zdd").err())
        .contains("must be a duration such as 250ms");

    Run range = run("--frontend-port-range", "20000-10000", "--data-dir", "/nonexistent-zdd");
    assertThat(range.exit()).isEqualTo(2);
    assertThat(range.err()).contains("--frontend-port-range:");

    Run group = run("--lb-group", "ext ernal", "--data-dir", "/nonexistent-zdd");
    assertThat(group.exit()).isEqualTo(2);
    assertThat(group.err()).contains("--lb-group:");

    Run noTls = run("--data-dir", "/nonexistent-zdd");
    assertThat(noTls.exit()).isEqualTo(2);
    assertThat(noTls.err()).contains("--tls-ca, --tls-cert and --tls-key: TLS is on by default");

    Run both = run("--data-dir", "/nonexistent-zdd", "--insecure", "--tls-ca", "/x");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("--insecure: cannot be combined");

    Run size = run("--max-message-size", "1KiB", "--data-dir", "/nonexistent-zdd");
    assertThat(size.exit()).isEqualTo(2);
    assertThat(size.err()).contains("--max-message-size: must be 65536..67108864, got 1024");
    assertThat(run("--max-message-size", "4MB", "--data-dir", "/nonexistent-zdd").err())
        .contains("--max-message-size").contains("must be a size such as 65536, 64KiB, 4MiB or 1GiB");
    Run calls = run("--max-concurrent-calls", "0", "--data-dir", "/nonexistent-zdd");
    assertThat(calls.exit()).isEqualTo(2);
    assertThat(calls.err()).contains("--max-concurrent-calls: must be 1..10000, got 0");
    assertThat(run("--max-groups", "0", "--data-dir", "/nonexistent-zdd").err())
        .contains("--max-groups: must be 1..10000, got 0");
    assertThat(run("--max-servers-per-backend", "1000001", "--data-dir", "/nonexistent-zdd").err())
        .contains("--max-servers-per-backend: must be 1..100000, got 1000001");
    assertThat(run("--max-streams", "-3", "--data-dir", "/nonexistent-zdd").err())
        .contains("--max-streams: must be 1..10000, got -3");

    Run mode = run("--haproxy-mode", "sideways");
    assertThat(mode.exit()).isEqualTo(2);
    assertThat(mode.err()).contains("--haproxy-mode");
  }

  @Test
  void hostPort_acceptsIpv6InBrackets() {
    var a = AgentConfig.hostPort("--grpc-listen", "[::1]:7100", true);
    assertThat(a.getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
    assertThat(a.getPort()).isEqualTo(7100);
  }

  @Test
  void environmentVariable_isUsedWhenTheFlagIsAbsent() throws Exception {
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
        AgentMain.class.getName(), "--data-dir", "/nonexistent-zdd");
    pb.environment().put("ZDD_AGENT_GRPC_LISTEN", "127.0.0.1:70000");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("--grpc-listen: port must be 1..65535, got 70000");
  }
}
