package io.zdd.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Settings a security reviewer checks first are refused before the coordinator starts anything:
 * Marathon over plain http, Marathon credentials on the command line, no TLS material.
 */
class CoordinatorMainTest {
  @TempDir Path dir;

  private record Run(int exit, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = CoordinatorMain.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    int exit = cl.execute(args);
    return new Run(exit, err.toString());
  }

  @Test
  void plainHttpMarathon_isRefusedUnlessAllowed() {
    Run r = run("--marathon", "http://marathon.example:8080", "--insecure");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--marathon: must be an https:// URL").contains("--insecure-marathon");
  }

  @Test
  void marathonCredentialsOnTheCommandLine_areRefused() {
    Run r = run("--marathon", "https://marathon.example:8443", "--auth-credentials", "user:secret", "--insecure");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--auth-credentials: credentials on the command line").doesNotContain("secret");
  }

  @Test
  void withoutTlsMaterial_andWithoutInsecure_itRefusesToStart() {
    Run r = run("--marathon", "https://marathon.example:8443");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--tls-ca, --tls-cert and --tls-key: TLS is on by default");
  }

  @Test
  void aHookThatIsNotAnAbsoluteExecutable_isRefused() {
    Run r = run("--marathon", "https://marathon.example:8443", "--insecure", "--hook", "notify=relative/hook");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--hook: notify: the path must be absolute");
  }

  @Test
  void boundsOutsideTheirRange_areRefusedNamingTheFlag() {
    Run size = run("--marathon", "https://marathon.example:8443", "--insecure", "--max-message-size", "1GiB");
    assertThat(size.exit()).isEqualTo(2);
    assertThat(size.err()).contains("--max-message-size: must be 65536..67108864, got 1073741824");
    Run calls = run("--marathon", "https://marathon.example:8443", "--insecure", "--max-concurrent-calls", "-1");
    assertThat(calls.exit()).isEqualTo(2);
    assertThat(calls.err()).contains("--max-concurrent-calls: must be 1..10000, got -1");
    Run line = run("--marathon", "https://marathon.example:8443", "--insecure", "--max-sse-line", "32MiB");
    assertThat(line.exit()).isEqualTo(2);
    assertThat(line.err()).contains("--max-sse-line: must not exceed --max-marathon-reply (16777216), got 33554432");
    Run reply = run("--marathon", "https://marathon.example:8443", "--insecure", "--max-marathon-reply", "lots");
    assertThat(reply.exit()).isEqualTo(2);
    assertThat(reply.err()).contains("--max-marathon-reply").contains("must be a size such as");
  }
}
