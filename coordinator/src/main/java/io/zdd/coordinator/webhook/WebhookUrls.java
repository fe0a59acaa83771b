package io.zdd.coordinator.webhook;

import io.zdd.common.error.InvalidInputException;
import java.net.URI;
import java.net.URISyntaxException;

/** The webhook URLs zdd accepts: absolute http(s), with a host, without credentials in them. */
public final class WebhookUrls {
  private WebhookUrls() {}

  /** @throws InvalidInputException naming {@code field} */
  public static URI check(String field, String url) {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new InvalidInputException(field, "is not a URL: " + e.getReason());
    }
    if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
      throw new InvalidInputException(field, "must be an http:// or https:// URL");
    }
    if (u.getHost() == null || u.getHost().isEmpty()) {
      throw new InvalidInputException(field, "must name a host");
    }
    if (u.getRawUserInfo() != null) {
      // Credentials in a URL end up in logs and events; receivers verify the signature instead.
      throw new InvalidInputException(field, "must not carry credentials (user:password@); verify X-Zdd-Signature instead");
    }
    return u;
  }
}
