package io.zdd.common.tls;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where a process finds its TLS material and how it uses it.
 *
 * @param ca PEM file of the cluster CA certificate(s) every peer must chain to
 * @param certificate PEM file of this process's certificate (its {@code spiffe://} identity)
 * @param key PEM file of this process's PKCS#8 private key
 * @param trustDomain the cluster's trust domain; peers from another domain are refused
 * @param allowTls12 accept TLS 1.2 besides 1.3 (for old clients only)
 * @param reloadInterval how often the files are checked for rotation
 */
public record TlsConfig(Path ca, Path certificate, Path key, String trustDomain, boolean allowTls12,
    Duration reloadInterval) {
  public static final Duration DEFAULT_RELOAD = Duration.ofSeconds(10);

  public TlsConfig {
    if (ca == null || certificate == null || key == null) {
      throw new IllegalArgumentException("the CA, certificate and key files are all required");
    }
    SpiffeId.requireTrustDomain(trustDomain);
    if (reloadInterval.isNegative() || reloadInterval.isZero()) {
      throw new IllegalArgumentException("reload interval must be positive");
    }
  }

  /** The files {@code bin/zdd certs} writes for {@code name} in {@code dir}. */
  public static TlsConfig inDirectory(Path dir, String name, String trustDomain) {
    return new TlsConfig(dir.resolve("ca.crt"), dir.resolve(name + ".crt"), dir.resolve(name + ".key"), trustDomain,
        false, DEFAULT_RELOAD);
  }

  public TlsConfig withReloadInterval(Duration interval) {
    return new TlsConfig(ca, certificate, key, trustDomain, allowTls12, interval);
  }
}
