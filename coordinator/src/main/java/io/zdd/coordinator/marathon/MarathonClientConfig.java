package io.zdd.coordinator.marathon;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of {@link HttpMarathonClient}.
 *
 * @param baseUri Marathon's URL, e.g. {@code http://marathon.mesos:8080} or, on DC/OS,
 *     {@code https://leader.mesos/service/marathon}
 * @param connectTimeout TCP/TLS connect deadline
 * @param requestTimeout deadline of one request, from sending to the last byte of the reply
 * @param lockedAppPolicy what writes do on 409 "locked by deployment"
 */
public record MarathonClientConfig(
    URI baseUri,
    Duration connectTimeout,
    Duration requestTimeout,
    LockedAppPolicy lockedAppPolicy) {

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
    Objects.requireNonNull(lockedAppPolicy, "lockedAppPolicy");
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  /**
   * Connect 3 s (marathon-lb uses 3.05 s), 10 s per request, a locked app waited out for up to
   * 60 s (across calls: the caller repeats) and then failed.
   */
  public static MarathonClientConfig defaults(URI baseUri) {
    return new MarathonClientConfig(baseUri, Duration.ofSeconds(3), Duration.ofSeconds(10),
        LockedAppPolicy.waitThenFail(Duration.ofSeconds(60)));
  }

  public MarathonClientConfig withRequestTimeout(Duration timeout) {
    return new MarathonClientConfig(baseUri, connectTimeout, timeout, lockedAppPolicy);
  }

  public MarathonClientConfig withLockedAppPolicy(LockedAppPolicy policy) {
    return new MarathonClientConfig(baseUri, connectTimeout, requestTimeout, policy);
  }
}
