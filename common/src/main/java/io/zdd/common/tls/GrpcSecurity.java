package io.zdd.common.tls;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.zdd.common.concurrent.NamedThreadFactory;
import io.zdd.common.grpc.GrpcServerLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a zdd process gets its gRPC servers and channels: mutual TLS with identities
 * checked both ways, or, only when the operator said {@code --insecure}, plaintext with a warning
 * at every start.
 */
public final class GrpcSecurity implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcSecurity.class);

  private final Optional<TlsContexts> tls;
  private final List<ExecutorService> pools = new ArrayList<>();

  private GrpcSecurity(Optional<TlsContexts> tls) {
    this.tls = tls;
  }

  /** Loads the TLS material (or warns about running without it) for {@code component}. */
  public static GrpcSecurity open(Optional<TlsConfig> config, String component) throws IOException {
    if (config.isEmpty()) {
      log.warn("{} runs with --insecure: gRPC is plaintext and unauthenticated, so anyone who can reach its "
          + "ports can command it. Use TLS (bin/zdd certs) anywhere but a laptop.", component);
      return new GrpcSecurity(Optional.empty());
    }
    return new GrpcSecurity(Optional.of(TlsContexts.open(config.get())));
  }

  public boolean insecure() {
    return tls.isEmpty();
  }

  public Optional<TlsContexts> tls() {
    return tls;
  }

  /**
   * A server builder on {@code listen}, with TLS unless insecure, held to {@code limits}: its calls
   * run on at most {@code limits.threads()} threads (named {@code name-grpc-N}; more calls wait
   * their turn instead of each getting a thread of its own), a message above
   * {@code limits.maxMessageBytes()} is refused with RESOURCE_EXHAUSTED before a handler sees it,
   * and one connection has at most {@code limits.maxConcurrentCallsPerConnection()} calls open
   * (further ones wait in the client). The pool is shut down by {@link #close}, after the server.
   */
  public NettyServerBuilder server(InetSocketAddress listen, String name, GrpcServerLimits limits) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(limits.threads(), limits.threads(),
        30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), new NamedThreadFactory(name + "-grpc"));
    pool.allowCoreThreadTimeOut(true);
    synchronized (pools) {
      pools.add(pool);
    }
    NettyServerBuilder b = NettyServerBuilder.forAddress(listen).executor(pool)
        .maxInboundMessageSize(limits.maxMessageBytes())
        .maxConcurrentCallsPerConnection(limits.maxConcurrentCallsPerConnection());
    tls.ifPresent(t -> b.sslContext(t.forServer()));
    return b;
  }

  /**
   * The interceptor that authenticates callers and applies {@code policy}; with --insecure every
   * caller is anonymous and allowed.
   */
  public ServerInterceptor authentication(PeerAuthentication.Policy policy) {
    if (tls.isEmpty()) {
      return new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
          return next.startCall(call, headers);
        }
      };
    }
    return new PeerAuthentication(tls.get().trustDomain(), policy);
  }

  /** A channel to a server that must prove the identity {@code expected} accepts. */
  public NettyChannelBuilder channel(String host, int port, Predicate<SpiffeId> expected,
      String what) {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port);
    if (tls.isEmpty()) {
      return b.usePlaintext();
    }
    return b.useTransportSecurity().sslContext(tls.get().forClient(expected, what));
  }

  /** A channel to a server of {@code role}. */
  public NettyChannelBuilder channel(String host, int port, SpiffeId.Role role) {
    return channel(host, port, id -> id.role() == role, "a " + role.name().toLowerCase(Locale.ROOT));
  }

  @Override
  public void close() {
    synchronized (pools) {
      pools.forEach(ExecutorService::shutdownNow);
      pools.clear();
    }
    tls.ifPresent(TlsContexts::close);
  }
}
