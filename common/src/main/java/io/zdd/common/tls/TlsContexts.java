package io.zdd.common.tls;

import io.grpc.netty.GrpcSslContexts;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.zdd.common.concurrent.NamedThreadFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's TLS: its key and certificate and the cluster CA, re-read from disk whenever the
 * files change (checked every {@link TlsConfig#reloadInterval()}), so a rotated certificate is
 * used by the next handshake without a restart. TLS 1.3 only unless TLS 1.2 is allowed.
 *
 * <p>Peers are checked by identity, not host name: a server accepts any certificate of the
 * cluster CA at the handshake and leaves the decision to {@link PeerAuthentication} (so a caller
 * hears why it was refused); a client refuses a server whose identity is not the one it meant to
 * reach (an agent, a coordinator) during the handshake.
 */
public final class TlsContexts implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);

  private final TlsConfig config;
  private final ScheduledExecutorService reloader;
  private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager trustManager;
  private final SpiffeId self;
  private volatile Material installed;
  /** Rotation checks run, and how many of them parsed the files (tests: an unchanged tick parses nothing). */
  private final AtomicLong ticks = new AtomicLong();
  private final AtomicLong materialReads = new AtomicLong();
  private volatile String lastReloadError;

  private TlsContexts(TlsConfig config) throws IOException, GeneralSecurityException {
    this.config = config;
    this.trustManager = AdvancedTlsX509TrustManager.newBuilder()
        .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION).build();
    Material first = Material.read(config);
    this.self = first.identity(config);
    install(first);
    this.reloader = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("tls-reload"));
    long period = config.reloadInterval().toMillis();
    var unused = reloader.scheduleWithFixedDelay(this::reloadIfChanged, period, period, TimeUnit.MILLISECONDS);
  }

  private void install(Material m) throws IOException, GeneralSecurityException {
    keyManager.updateIdentityCredentials(m.chain(), m.key());
    trustManager.updateTrustCredentials(m.cas());
    installed = m;
  }

  /**
   * Re-reads the three files and installs them when their bytes changed and they are usable
   * together. A half-written rotation (a new certificate with the old key) fails the key check
   * and is retried at the next tick; until then the previous material stays in use.
   */
  private void reloadIfChanged() {
    ticks.incrementAndGet();
    try {
      // The usual tick: same bytes, nothing to parse. Parsing checks the key by signing with it,
      // an EC operation that used to cost an idle agent most of its CPU.
      Material current = installed;
      if (current != null && current.sameFilesOnDisk(config)) {
        return;
      }
      Material m = Material.read(config);
      materialReads.incrementAndGet();
      if (m.sameFilesAs(installed)) {
        return;
      }
      SpiffeId id = m.identity(config);
      if (!id.equals(self)) {
        log.warn("TLS files now hold identity {} instead of {}; keeping the old material", id, self);
        return;
      }
      install(m);
      log.info("TLS material reloaded: certificate serial {} valid until {}", m.chain()[0].getSerialNumber(),
          m.chain()[0].getNotAfter().toInstant());
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      if (!String.valueOf(e.getMessage()).equals(lastReloadError)) {
        log.warn("TLS files changed but cannot be used yet (keeping the previous material): {}", e.getMessage());
        lastReloadError = String.valueOf(e.getMessage());
      }
    }
  }

  /** The bytes of the three files and what they parse to. */
  private record Material(byte[] caBytes, byte[] certBytes, byte[] keyBytes, X509Certificate[] cas,
      X509Certificate[] chain, PrivateKey key) {
    static Material read(TlsConfig c) throws IOException, GeneralSecurityException {
      byte[] ca = Files.readAllBytes(c.ca());
      byte[] cert = Files.readAllBytes(c.certificate());
      byte[] key = Files.readAllBytes(c.key());
      X509Certificate[] cas = certificates(c.ca(), ca);
      X509Certificate[] chain = certificates(c.certificate(), cert);
      PrivateKey k = CertificateAuthority.parseKey(c.key(), new String(key, StandardCharsets.US_ASCII));
      requireMatch(chain[0], k, c);
      return new Material(ca, cert, key, cas, chain, k);
    }

    /** True when the three files still hold these bytes. */
    boolean sameFilesOnDisk(TlsConfig c) throws IOException {
      return Arrays.equals(caBytes, Files.readAllBytes(c.ca()))
          && Arrays.equals(certBytes, Files.readAllBytes(c.certificate()))
          && Arrays.equals(keyBytes, Files.readAllBytes(c.key()));
    }

    boolean sameFilesAs(Material o) {
      return o != null && Arrays.equals(caBytes, o.caBytes) && Arrays.equals(certBytes, o.certBytes)
          && Arrays.equals(keyBytes, o.keyBytes);
    }

    SpiffeId identity(TlsConfig c) throws GeneralSecurityException {
      SpiffeId id = SpiffeId.of(chain[0]).orElseThrow(() -> new GeneralSecurityException(c.certificate()
          + ": the certificate carries no spiffe://<domain>/<role>/<name> URI SAN; create it with bin/zdd certs"));
      if (!id.trustDomain().equals(c.trustDomain())) {
        throw new GeneralSecurityException(c.certificate() + ": identity " + id + " is not in trust domain "
            + c.trustDomain());
      }
      return id;
    }

    private static X509Certificate[] certificates(Path file, byte[] pem) throws GeneralSecurityException {
      var parsed = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
      if (parsed.isEmpty()) {
        throw new GeneralSecurityException(file + ": no PEM certificate in it");
      }
      return parsed.stream().map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
    }

    /** The key signs, the certificate's public key verifies: they belong together. */
    private static void requireMatch(X509Certificate cert, PrivateKey key, TlsConfig c) throws GeneralSecurityException {
      byte[] probe = "zdd key check".getBytes(StandardCharsets.US_ASCII);
      String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
      Signature sign = Signature.getInstance(alg);
      sign.initSign(key);
      sign.update(probe);
      byte[] sig = sign.sign();
      Signature verify = Signature.getInstance(alg);
      verify.initVerify(cert.getPublicKey());
      verify.update(probe);
      if (!verify.verify(sig)) {
        throw new GeneralSecurityException(c.key() + " is not the key of " + c.certificate());
      }
    }
  }

  /** Loads the files once (failing if any is missing or bad) and starts watching them. */
  public static TlsContexts open(TlsConfig config) throws IOException {
    try {
      TlsContexts t = new TlsContexts(config);
      log.info("TLS identity {} (TLS {}), files checked for rotation every {} ms", t.self,
          config.allowTls12() ? "1.3 and 1.2" : "1.3", config.reloadInterval().toMillis());
      return t;
    } catch (GeneralSecurityException e) {
      throw new IOException("TLS material unusable: " + e.getMessage(), e);
    }
  }

  /** Rotation checks run so far (tests). */
  long rotationChecks() {
    return ticks.get();
  }

  /** Rotation checks that found changed bytes and parsed them (tests). */
  long rotationParses() {
    return materialReads.get();
  }

  /** This process's own identity, as its certificate said when it was opened. */
  public SpiffeId self() {
    return self;
  }

  public String trustDomain() {
    return config.trustDomain();
  }

  /** For a gRPC server: a client certificate is asked for, and checked by the interceptor. */
  public SslContext forServer() {
    try {
      return GrpcSslContexts.configure(SslContextBuilder.forServer(keyManager))
          .trustManager(trustManager)
          .clientAuth(ClientAuth.OPTIONAL)
          .protocols(protocols())
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the server TLS context: " + e.getMessage(), e);
    }
  }

  /** For a gRPC client that may only talk to a server whose identity passes {@code expected}. */
  public SslContext forClient(Predicate<SpiffeId> expected, String what) {
    try {
      return GrpcSslContexts.configure(SslContextBuilder.forClient().keyManager(keyManager))
          .trustManager(new IdentityCheckingTrustManager(expected, what))
          .protocols(protocols())
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the client TLS context: " + e.getMessage(), e);
    }
  }

  private String[] protocols() {
    return config.allowTls12() ? new String[] {"TLSv1.3", "TLSv1.2"} : new String[] {"TLSv1.3"};
  }

  @Override
  public void close() {
    reloader.shutdownNow();
  }

  /** The cluster CA's chain check, then the server's identity. */
  private final class IdentityCheckingTrustManager extends X509ExtendedTrustManager {
    private final Predicate<SpiffeId> expected;
    private final String what;

    IdentityCheckingTrustManager(Predicate<SpiffeId> expected, String what) {
      this.expected = expected;
      this.what = what;
    }

    private void checkIdentity(X509Certificate[] chain) throws CertificateException {
      Optional<SpiffeId> id = chain.length == 0 ? Optional.empty() : SpiffeId.of(chain[0]);
      if (id.isEmpty()) {
        throw new CertificateException("the server's certificate carries no zdd identity");
      }
      if (!id.get().trustDomain().equals(config.trustDomain())) {
        throw new CertificateException("the server " + id.get() + " is not in trust domain " + config.trustDomain());
      }
      if (!expected.test(id.get())) {
        throw new CertificateException("the server " + id.get() + " is not " + what);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      trustManager.checkServerTrusted(chain, authType, engine);
      checkIdentity(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      trustManager.checkServerTrusted(chain, authType, socket);
      checkIdentity(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      trustManager.checkServerTrusted(chain, authType);
      checkIdentity(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("a client context does not accept clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("a client context does not accept clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a client context does not accept clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return trustManager.getAcceptedIssuers();
    }
  }
}
