package io.zdd.coordinator.marathon;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.Validation;
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
 * @param maxReplyBytes largest reply body read ({@code --max-marathon-reply}); also the largest
 *     event of the event stream
 * @param maxSseLine longest line of the event stream ({@code --max-sse-line}), in characters
 */
public record MarathonClientConfig(
    URI baseUri,
    Duration connectTimeout,
    Duration requestTimeout,
    LockedAppPolicy lockedAppPolicy,
    int maxReplyBytes,
    int maxSseLine) {
  /** Room for /v2/apps?embed=apps.tasks of a few thousand apps. */
  public static final int DEFAULT_MAX_REPLY_BYTES = 16 << 20;
  /** One event is one line of data; Marathon's largest (a deployment's plan) fits many times over. */
  public static final int DEFAULT_MAX_SSE_LINE = 1 << 20;

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
    checkLimits(maxReplyBytes, maxSseLine);
  }

  /**
   * Validates {@code --max-marathon-reply} (bytes) and {@code --max-sse-line} (characters): a line
   * is part of an event, which the reply bound also bounds.
   */
  public static void checkLimits(int replyBytes, int sseLine) {
    Validation.within("--max-marathon-reply", replyBytes, 64 << 10, 1 << 30);
    Validation.within("--max-sse-line", sseLine, 4 << 10, 256 << 20);
    if (sseLine > replyBytes) {
      throw new InvalidInputException("--max-sse-line", "must not exceed --max-marathon-reply (" + replyBytes
          + "), got " + sseLine);
    }
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
        LockedAppPolicy.waitThenFail(Duration.ofSeconds(60)), DEFAULT_MAX_REPLY_BYTES, DEFAULT_MAX_SSE_LINE);
  }

  public MarathonClientConfig withRequestTimeout(Duration timeout) {
    return new MarathonClientConfig(baseUri, connectTimeout, timeout, lockedAppPolicy, maxReplyBytes, maxSseLine);
  }

  public MarathonClientConfig withLockedAppPolicy(LockedAppPolicy policy) {
    return new MarathonClientConfig(baseUri, connectTimeout, requestTimeout, policy, maxReplyBytes, maxSseLine);
  }

  /** With {@code --max-marathon-reply} and {@code --max-sse-line}. */
  public MarathonClientConfig withLimits(int replyBytes, int sseLine) {
    return new MarathonClientConfig(baseUri, connectTimeout, requestTimeout, lockedAppPolicy, replyBytes, sseLine);
  }
}
