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
}
