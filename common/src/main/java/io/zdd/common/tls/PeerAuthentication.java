package io.zdd.common.tls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every call on a TLS server by the caller's certificate identity and lets a
 * {@link Policy} refuse methods by role. The gRPC health service is left open (it says only
 * whether the process serves). The identity is then available to the service as {@link #caller()}.
 *
 * <p>No certificate, one from another trust domain or one without a zdd identity:
 * {@code UNAUTHENTICATED}. An identity the policy refuses: {@code PERMISSION_DENIED}. Either way
 * the call never reaches the service, so it changes nothing.
 */
public final class PeerAuthentication implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(PeerAuthentication.class);
  private static final Context.Key<SpiffeId> CALLER = Context.key("zdd-caller");

  /** Decides which identities may call which method. */
  @FunctionalInterface
  public interface Policy {
    /** Why {@code caller} may not call {@code fullMethodName}, or empty if it may. */
    Optional<String> refuse(String fullMethodName, SpiffeId caller);
  }

  private final String trustDomain;
  private final Policy policy;

  public PeerAuthentication(String trustDomain, Policy policy) {
    this.trustDomain = trustDomain;
    this.policy = policy;
  }

  /** The authenticated caller of the current call; empty on a server without TLS (--insecure). */
  public static Optional<SpiffeId> caller() {
    return Optional.ofNullable(CALLER.get());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return refuse(call, Status.UNAUTHENTICATED, "this server accepts only TLS callers");
    }
    X509Certificate leaf;
    try {
      Certificate[] chain = session.getPeerCertificates();
      leaf = (X509Certificate) chain[0];
    } catch (SSLPeerUnverifiedException | ClassCastException | ArrayIndexOutOfBoundsException e) {
      return refuse(call, Status.UNAUTHENTICATED,
          "no client certificate: callers need a certificate from the cluster CA (bin/zdd certs)");
    }
    Optional<SpiffeId> id = SpiffeId.of(leaf);
    if (id.isEmpty()) {
      return refuse(call, Status.UNAUTHENTICATED,
          "the client certificate carries no zdd identity (a spiffe://<domain>/<role>/<name> URI SAN)");
    }
    if (!id.get().trustDomain().equals(trustDomain)) {
      return refuse(call, Status.UNAUTHENTICATED, "caller " + id.get() + " is not in trust domain " + trustDomain);
    }
    Optional<String> refused = policy.refuse(method, id.get());
    if (refused.isPresent()) {
      return refuse(call, Status.PERMISSION_DENIED, id.get() + " may not call " + method + ": " + refused.get());
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, id.get()), call, headers, next);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status, String why) {
    log.warn("refused {} from {}: {} {}", call.getMethodDescriptor().getFullMethodName(),
        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), status.getCode(), why);
    call.close(status.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() { };
  }
}
