package io.zdd.common.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A directory of cluster TLS material as {@code bin/zdd certs} lays it out: {@code ca.crt} and
 * {@code ca.key}, and for each identity {@code <role>-<name>.crt} and {@code <role>-<name>.key}.
 * Issuing again for the same identity replaces its files atomically: that is a rotation, which
 * running processes pick up without a restart.
 */
public final class ClusterCertificates {
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);

  private final Path dir;
  private final String trustDomain;
  private final CertificateAuthority ca;

  private ClusterCertificates(Path dir, String trustDomain, CertificateAuthority ca) {
    this.dir = dir;
    this.trustDomain = trustDomain;
    this.ca = ca;
  }

  /** Opens the CA in {@code dir}, creating it first if the directory has none. */
  public static ClusterCertificates openOrCreate(Path dir, String trustDomain, Duration caValidity, Clock clock)
      throws IOException {
    Path cert = dir.resolve("ca.crt");
    Path key = dir.resolve("ca.key");
    if (Files.exists(cert) && Files.exists(key)) {
      return new ClusterCertificates(dir, trustDomain, CertificateAuthority.load(cert, key, clock));
    }
    if (Files.exists(cert) || Files.exists(key)) {
      throw new IOException(dir + " has only one of ca.crt and ca.key; refusing to replace a CA");
    }
    CertificateAuthority ca = CertificateAuthority.create(trustDomain, caValidity, clock);
    ca.writeTo(cert, key);
    return new ClusterCertificates(dir, trustDomain, ca);
  }

  public Path directory() {
    return dir;
  }

  public String trustDomain() {
    return trustDomain;
  }

  public CertificateAuthority authority() {
    return ca;
  }

  /** Issues (or re-issues) the certificate of {@code role}/{@code name}; returns the settings that use it. */
  public TlsConfig issue(SpiffeId.Role role, String name, List<String> hosts, Duration validity) throws IOException {
    SpiffeId id = new SpiffeId(trustDomain, role, name);
    String base = role.name().toLowerCase(Locale.ROOT) + "-" + name;
    ca.issue(id, hosts, validity).writeTo(dir.resolve(base + ".crt"), dir.resolve(base + ".key"));
    return TlsConfig.inDirectory(dir, base, trustDomain);
  }

  public TlsConfig issue(SpiffeId.Role role, String name) throws IOException {
    return issue(role, name, List.of(), DEFAULT_VALIDITY);
  }
}
