package io.zdd.common.tls;

import io.zdd.common.config.Durations;
import io.zdd.common.error.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The TLS flags every zdd process shares (agent, coordinator, CLI, demo): mutual TLS with the
 * cluster CA is on unless {@code --insecure} is given. The environment variables are the same in
 * every process, so one environment file can serve all of them.
 */
public final class TlsOptions {
  @Option(names = "--tls-ca", paramLabel = "FILE", defaultValue = "${env:ZDD_TLS_CA}",
      description = "PEM file of the cluster CA certificate (bin/zdd certs writes ca.crt). Env: ZDD_TLS_CA.")
  Path ca;

  @Option(names = "--tls-cert", paramLabel = "FILE", defaultValue = "${env:ZDD_TLS_CERT}",
      description = "PEM file of this process's certificate, carrying its spiffe://<domain>/<role>/<name> "
          + "identity. Re-read when it changes. Env: ZDD_TLS_CERT.")
  Path certificate;

  @Option(names = "--tls-key", paramLabel = "FILE", defaultValue = "${env:ZDD_TLS_KEY}",
      description = "PEM (PKCS#8) file of this process's private key. Re-read when it changes. Env: ZDD_TLS_KEY.")
  Path key;

  @Option(names = "--trust-domain", paramLabel = "DOMAIN", defaultValue = "${env:ZDD_TRUST_DOMAIN:-zdd}",
      description = "The cluster's trust domain; peers whose identity is in another are refused. "
          + "Default: ${DEFAULT-VALUE}. Env: ZDD_TRUST_DOMAIN.")
  String trustDomain;

  @Option(names = "--tls12", defaultValue = "${env:ZDD_TLS12:-false}",
      description = "Also accept TLS 1.2 (TLS 1.3 only by default). Env: ZDD_TLS12.")
  boolean allowTls12;

  @Option(names = "--tls-reload", paramLabel = "DURATION", defaultValue = "${env:ZDD_TLS_RELOAD:-10s}",
      converter = Durations.Converter.class,
      description = "How often the certificate, key and CA files are checked for rotation. "
          + "Default: ${DEFAULT-VALUE}. Env: ZDD_TLS_RELOAD.")
  Duration reload;

  @Option(names = "--insecure", defaultValue = "${env:ZDD_INSECURE:-false}",
      description = "Plaintext gRPC, no authentication: anyone who can reach the port can command it. "
          + "For a laptop only; a warning is logged at every start. Env: ZDD_INSECURE.")
  boolean insecure;

  /** The command-line flags that give a zdd process {@code tls} (the inverse of {@link #resolve}). */
  public static List<String> flags(TlsConfig tls) {
    List<String> f = new ArrayList<>(List.of("--tls-ca", tls.ca().toString(),
        "--tls-cert", tls.certificate().toString(), "--tls-key", tls.key().toString(),
        "--trust-domain", tls.trustDomain(), "--tls-reload", Durations.format(tls.reloadInterval())));
    if (tls.allowTls12()) {
      f.add("--tls12");
    }
    return f;
  }

  /**
   * The TLS settings, or empty with {@code --insecure}. Refuses a half-given set of files, and
   * files together with {@code --insecure}, naming the flags.
   */
  public Optional<TlsConfig> resolve() {
    boolean anyFile = ca != null || certificate != null || key != null;
    if (insecure) {
      if (anyFile) {
        throw new InvalidInputException("--insecure", "cannot be combined with --tls-ca/--tls-cert/--tls-key");
      }
      return Optional.empty();
    }
    if (ca == null || certificate == null || key == null) {
      throw new InvalidInputException("--tls-ca, --tls-cert and --tls-key", "TLS is on by default and needs all "
          + "three (bin/zdd certs creates them); --insecure runs plaintext instead");
    }
    if (reload == null || reload.isNegative() || reload.isZero()) {
      throw new InvalidInputException("--tls-reload",
          "must be a positive duration, got " + (reload == null ? "nothing" : Durations.format(reload)));
    }
    try {
      return Optional.of(new TlsConfig(ca, certificate, key, trustDomain, allowTls12, reload));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--trust-domain", e.getMessage());
    }
  }
}
