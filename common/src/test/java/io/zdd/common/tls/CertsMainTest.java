package io.zdd.common.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bin/zdd certs}: a CA once, then one identity per named process, keys private. */
class CertsMainTest {
  @TempDir Path dir;

  private static X509Certificate read(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  @Test
  void createsTheCaOnce_andAnIdentityPerName() throws Exception {
    int exit = new CommandLine(new CertsMain()).execute("--dir", dir.toString(), "--coordinator", "c1",
        "--agent", "lb-1", "--operator", "alice", "--host", "10.0.0.5");
    assertThat(exit).isZero();
    X509Certificate ca = read(dir.resolve("ca.crt"));
    assertThat(SpiffeId.of(read(dir.resolve("agent-lb-1.crt")))).contains(new SpiffeId("zdd", SpiffeId.Role.AGENT, "lb-1"));
    assertThat(SpiffeId.of(read(dir.resolve("coordinator-c1.crt")))).contains(
        new SpiffeId("zdd", SpiffeId.Role.COORDINATOR, "c1"));
    read(dir.resolve("operator-alice.crt")).verify(ca.getPublicKey());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("agent-lb-1.key"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))))
        .isEqualTo("rw-------");

    // A second run keeps the CA and re-issues (rotates) the named identity.
    byte[] before = Files.readAllBytes(dir.resolve("agent-lb-1.crt"));
    assertThat(new CommandLine(new CertsMain()).execute("--dir", dir.toString(), "--agent", "lb-1")).isZero();
    assertThat(read(dir.resolve("ca.crt"))).isEqualTo(ca);
    assertThat(Files.readAllBytes(dir.resolve("agent-lb-1.crt"))).isNotEqualTo(before);
    read(dir.resolve("agent-lb-1.crt")).verify(ca.getPublicKey());

    assertThat(new CommandLine(new CertsMain()).execute("--dir", dir.toString(), "--agent", "bad name")).isEqualTo(2);
  }
}
