package io.zdd.coordinator.marathon;

import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.IpLiteral;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Resolves agent host names with the system resolver, bounded by a timeout.
 *
 * <p>{@link InetAddress#getAllByName} has no timeout of its own, so the lookup runs on the given
 * executor and the caller stops waiting after {@code timeout} (the lookup thread finishes on its
 * own). IP literals never touch DNS. Answers are cached for {@code ttl} because the same few agents
 * host every task; like marathon-lb ({@code socket.gethostbyname}) an IPv4 address is preferred.
 */
public final class DnsHostAddressResolver implements HostAddressResolver {
  /** The lookup itself; the system resolver in production, a stub in tests. */
  @FunctionalInterface
  public interface Lookup {
    InetAddress[] lookup(String host) throws UnknownHostException;
  }

  private record Cached(String ip, Instant expires) {}

  private final Lookup lookup;
  private final Executor executor;
  private final Duration timeout;
  private final Duration ttl;
  private final Clock clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public DnsHostAddressResolver(Lookup lookup, Executor executor, Duration timeout, Duration ttl, Clock clock) {
    this.lookup = Objects.requireNonNull(lookup, "lookup");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The system resolver, 2 s per lookup, answers kept 30 s. */
  public static DnsHostAddressResolver system(Executor executor, Clock clock) {
    return new DnsHostAddressResolver(InetAddress::getAllByName, executor, Duration.ofSeconds(2),
        Duration.ofSeconds(30), clock);
  }

  /** Whether {@code host} is already an IPv4 or IPv6 literal. */
  public static boolean isIpLiteral(String host) {
    return IpLiteral.isValid(host);
  }

  @Override
  public String resolve(String host) {
    if (host == null || host.isEmpty()) {
      throw new UnavailableException("cannot resolve an empty host name");
    }
    if (isIpLiteral(host)) {
      return host;
    }
    Instant now = clock.instant();
    Cached cached = cache.get(host);
    if (cached != null && now.isBefore(cached.expires())) {
      return cached.ip();
    }
    CompletableFuture<InetAddress[]> future = CompletableFuture.supplyAsync(() -> {
      try {
        return lookup.lookup(host);
      } catch (UnknownHostException e) {
        throw new UnavailableException("host '" + host + "' does not resolve: " + e.getMessage(), e);
      }
    }, executor);
    InetAddress[] addresses;
    try {
      addresses = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new UnavailableException("resolving host '" + host + "' took longer than " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while resolving host '" + host + "'", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnavailableException u) {
        throw u;
      }
      throw new UnavailableException("resolving host '" + host + "' failed: " + e.getCause(), e.getCause());
    }
    if (addresses == null || addresses.length == 0) {
      throw new UnavailableException("host '" + host + "' resolved to no address");
    }
    InetAddress chosen = addresses[0];
    for (InetAddress a : addresses) {
      if (a instanceof Inet4Address) {
        chosen = a;
        break;
      }
    }
    String ip = chosen.getHostAddress();
    int scope = ip.indexOf('%');
    if (scope >= 0) {
      ip = ip.substring(0, scope);
    }
    cache.put(host, new Cached(ip, now.plus(ttl)));
    return ip;
  }
}
