package io.zdd.coordinator.marathon;

import io.zdd.common.concurrent.Backoff;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Settings of {@link HttpMarathonClient}.
 *
 * @param baseUri Marathon's URL, e.g. {@code http://marathon.mesos:8080} or, on DC/OS,
 *     {@code https://leader.mesos/service/marathon}
 * @param connectTimeout TCP/TLS connect deadline
 * @param requestTimeout deadline of one request, from sending to the last byte of the reply
 * @param maxAttempts attempts of an idempotent call on 5xx or a network error (1 = no retry)
 * @param lockedAppPolicy what writes do on 409 "locked by deployment"
 * @param backoff a fresh backoff per call, for both retries and lock waits
 */
public record MarathonClientConfig(
    URI baseUri,
    Duration connectTimeout,
    Duration requestTimeout,
    int maxAttempts,
    LockedAppPolicy lockedAppPolicy,
    Supplier<Backoff> backoff) {

  public MarathonClientConfig {
    Objects.requireNonNull(baseUri, "baseUri");
    if (baseUri.getScheme() == null || !(baseUri.getScheme().equals("http") || baseUri.getScheme().equals("https"))
        || baseUri.getHost() == null) {
      throw new IllegalArgumentException("marathon URL must be http(s)://host[:port][/path], got " + baseUri);
    }
    if (baseUri.getUserInfo() != null) {
      // user:pass@ in the URL would end up in logs and error messages.
      throw new IllegalArgumentException("put Marathon credentials in the auth flags, not in the URL");
    }
    positive("connectTimeout", connectTimeout);
    positive("requestTimeout", requestTimeout);
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1");
    }
    Objects.requireNonNull(lockedAppPolicy, "lockedAppPolicy");
    Objects.requireNonNull(backoff, "backoff");
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  /**
   * Connect 3 s (marathon-lb uses 3.05 s), 10 s per request, 4 attempts for idempotent calls,
   * wait up to 60 s for a locked app and then fail, standard backoff.
   */
  public static MarathonClientConfig defaults(URI baseUri) {
    return new MarathonClientConfig(baseUri, Duration.ofSeconds(3), Duration.ofSeconds(10), 4,
        LockedAppPolicy.waitThenFail(Duration.ofSeconds(60)), Backoff::standard);
  }

  public MarathonClientConfig withRequestTimeout(Duration timeout) {
    return new MarathonClientConfig(baseUri, connectTimeout, timeout, maxAttempts, lockedAppPolicy, backoff);
  }

  public MarathonClientConfig withMaxAttempts(int attempts) {
    return new MarathonClientConfig(baseUri, connectTimeout, requestTimeout, attempts, lockedAppPolicy, backoff);
  }

  public MarathonClientConfig withLockedAppPolicy(LockedAppPolicy policy) {
    return new MarathonClientConfig(baseUri, connectTimeout, requestTimeout, maxAttempts, policy, backoff);
  }

  public MarathonClientConfig withBackoff(Supplier<Backoff> newBackoff) {
    return new MarathonClientConfig(baseUri, connectTimeout, requestTimeout, maxAttempts, lockedAppPolicy, newBackoff);
  }
}
