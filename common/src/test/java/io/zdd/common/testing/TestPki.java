package io.zdd.common.testing;

import io.grpc.ManagedChannel;
import io.zdd.common.tls.ClusterCertificates;
import io.zdd.common.tls.GrpcSecurity;
import io.zdd.common.tls.SpiffeId;
import io.zdd.common.tls.TlsConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

/**
 * A cluster CA in a test's temporary directory, the certificates of its processes, and TLS
 * channels that present them. Files are checked for rotation every 200 ms, so a test that
 * re-issues a certificate sees it used quickly.
 */
public final class TestPki implements AutoCloseable {
  public static final Duration RELOAD = Duration.ofMillis(200);

  private final ClusterCertificates certs;
  private final List<GrpcSecurity> opened = new ArrayList<>();

  private TestPki(ClusterCertificates certs) {
    this.certs = certs;
  }

  public static TestPki in(Path dir) {
    try {
      return new TestPki(ClusterCertificates.openOrCreate(dir, "zdd", Duration.ofDays(1), Clock.systemUTC()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public ClusterCertificates certificates() {
    return certs;
  }

  /** Issues (or rotates) the certificate of {@code role}/{@code name}. */
  public TlsConfig issue(SpiffeId.Role role, String name) {
    try {
      return certs.issue(role, name, List.of("127.0.0.1", "localhost"), Duration.ofDays(1)).withReloadInterval(RELOAD);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The flags of a fresh certificate for {@code role}/{@code name}. */
  public List<String> flags(SpiffeId.Role role, String name) {
    return io.zdd.common.tls.TlsOptions.flags(issue(role, name));
  }

  /** A channel to a server of {@code serverRole} on 127.0.0.1, presenting {@code as}/{@code name}. */
  public ManagedChannel channel(SpiffeId.Role as, String name, int port, SpiffeId.Role serverRole) {
    try {
      GrpcSecurity s = GrpcSecurity.open(Optional.of(issue(as, name)), "test client " + name);
      synchronized (opened) {
        opened.add(s);
      }
      return s.channel("127.0.0.1", port, serverRole).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The certificate a server presents to a new connection on {@code channel}: makes one call of
   * {@code method} (its outcome does not matter) and reads the TLS session.
   */
  public static <Q, R> X509Certificate presentedCertificate(ManagedChannel channel,
      io.grpc.MethodDescriptor<Q, R> method, Q request) throws Exception {
    io.grpc.ClientCall<Q, R> call = channel.newCall(method,
        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    CompletableFuture<SSLSession> session = new CompletableFuture<>();
    call.start(new io.grpc.ClientCall.Listener<>() {
      @Override
      public void onClose(io.grpc.Status status, io.grpc.Metadata trailers) {
        session.complete(call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_SSL_SESSION));
      }
    }, new io.grpc.Metadata());
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    return (X509Certificate) session.get(10, TimeUnit.SECONDS)
        .getPeerCertificates()[0];
  }

  @Override
  public void close() {
    synchronized (opened) {
      opened.forEach(GrpcSecurity::close);
      opened.clear();
    }
  }
}
