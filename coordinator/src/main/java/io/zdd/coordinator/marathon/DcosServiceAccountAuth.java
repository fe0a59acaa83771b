package io.zdd.coordinator.marathon;

import io.zdd.coordinator.http.BoundedBody;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DC/OS strict-mode service-account login. To get a token it signs an RS256 JWT
 * {@code {"uid": …, "exp": now+60s}} with the account's private key (JDK {@code SHA256withRSA}),
 * POSTs {@code {"uid", "token", "exp"}} to the account's {@code login_endpoint}, and sends the
 * returned token to Marathon as {@code Authorization: token=<value>}. The token is renewed
 * {@code refreshBefore} ahead of its expiry (read from the token's own {@code exp} claim when it is
 * a JWT, else the lifetime asked for), and once more after a 401.
 *
 * <p>Neither the private key, the signed login JWT nor the returned token is ever logged or put in
 * an exception message; {@link #toString()} shows only the uid and endpoint.
 */
public final class DcosServiceAccountAuth implements MarathonAuth {
  private static final Logger log = LoggerFactory.getLogger(DcosServiceAccountAuth.class);
  /** A login reply is a token in a small JSON object; anything far bigger is not read. */
  static final int MAX_LOGIN_REPLY = 64 << 10;
  /** Lifetime of the self-signed login JWT, as zdd.py. */
  private static final Duration LOGIN_JWT_LIFETIME = Duration.ofSeconds(60);

  /**
   * A service account: what {@code dcos security org service-accounts create} hands out.
   * {@link #toString()} never shows the key.
   */
  public record Credentials(String uid, PrivateKey privateKey, URI loginEndpoint) {
    public Credentials {
      Objects.requireNonNull(uid, "uid");
      Objects.requireNonNull(privateKey, "privateKey");
      Objects.requireNonNull(loginEndpoint, "loginEndpoint");
    }

    @Override
    public String toString() {
      return "DcosServiceAccount[uid=" + uid + ", loginEndpoint=" + loginEndpoint + ", privateKey=<redacted>]";
    }
  }

  private final Credentials credentials;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final Duration tokenLifetime;
  private final Duration refreshBefore;
  private final Clock clock;

  private String token;
  private Instant expiresAt = Instant.MIN;

  /**
   * @param http client for the login call (its connect timeout applies)
   * @param requestTimeout deadline of one login call
   * @param tokenLifetime lifetime to ask for (and to assume when the token carries no {@code exp})
   * @param refreshBefore how long before expiry to renew
   */
  public DcosServiceAccountAuth(Credentials credentials, HttpClient http, Duration requestTimeout,
      Duration tokenLifetime, Duration refreshBefore, Clock clock) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.http = Objects.requireNonNull(http, "http");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.tokenLifetime = Objects.requireNonNull(tokenLifetime, "tokenLifetime");
    this.refreshBefore = Objects.requireNonNull(refreshBefore, "refreshBefore");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Reads a DC/OS service-account secret: JSON with {@code uid}, {@code private_key} (PEM,
   * PKCS#8 or PKCS#1) and {@code login_endpoint}.
   */
  public static Credentials readCredentials(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidInputException("dcos-auth-credentials", "cannot read " + file + ": " + e.getClass().getSimpleName());
    }
    ObjectNode json;
    try {
      json = MarathonJson.parseObject("dcos-auth-credentials", text);
    } catch (InvalidInputException e) {
      // The parser's message may quote the file's text, which holds the key.
      throw new InvalidInputException("dcos-auth-credentials", file + " is not a JSON object (content not shown)");
    }
    String uid = requiredField(json, "uid");
    String pem = requiredField(json, "private_key");
    String endpoint = requiredField(json, "login_endpoint");
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("dcos-auth-credentials.login_endpoint", "not a URI: " + endpoint);
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
      throw new InvalidInputException("dcos-auth-credentials.login_endpoint", "must be an http(s) URL: " + endpoint);
    }
    return new Credentials(uid, parsePrivateKey(pem), uri);
  }

  private static String requiredField(ObjectNode json, String name) {
    JsonNode v = json.get(name);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new InvalidInputException("dcos-auth-credentials." + name, "missing or not a string");
    }
    return v.asText();
  }

  /** An RSA private key from PEM: {@code BEGIN PRIVATE KEY} (PKCS#8) or {@code BEGIN RSA PRIVATE KEY} (PKCS#1). */
  public static PrivateKey parsePrivateKey(String pem) {
    boolean pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
    String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    byte[] der;
    try {
      der = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("dcos-auth-credentials.private_key", "not PEM (base64 does not decode)");
    }
    try {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs1 ? wrapPkcs1(der) : der));
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException("dcos-auth-credentials.private_key", "not an RSA private key in PKCS#8 or PKCS#1 PEM");
    }
  }

  /** PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey: version 0, rsaEncryption, the key. */
  private static byte[] wrapPkcs1(byte[] pkcs1) {
    byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    byte[] version = {0x02, 0x01, 0x00};
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(version);
    body.writeBytes(algorithm);
    body.writeBytes(derHeader(0x04, pkcs1.length));
    body.writeBytes(pkcs1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(derHeader(0x30, body.size()));
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static byte[] derHeader(int tag, int length) {
    if (length < 0x80) {
      return new byte[] {(byte) tag, (byte) length};
    }
    if (length < 0x100) {
      return new byte[] {(byte) tag, (byte) 0x81, (byte) length};
    }
    if (length < 0x10000) {
      return new byte[] {(byte) tag, (byte) 0x82, (byte) (length >> 8), (byte) length};
    }
    return new byte[] {(byte) tag, (byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
  }

  @Override
  public synchronized Optional<String> authorization() {
    if (token == null || !clock.instant().isBefore(expiresAt.minus(refreshBefore))) {
      login();
    }
    return Optional.of("token=" + token);
  }

  @Override
  public synchronized boolean refreshAfterUnauthorized() {
    login();
    return true;
  }

  /** The signed login JWT: RS256 over {@code {"uid", "exp"}}. Package-private for tests. */
  String signLoginJwt(Instant now) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    ObjectNode header = MarathonJson.MAPPER.createObjectNode().put("alg", "RS256").put("typ", "JWT");
    ObjectNode claims = MarathonJson.MAPPER.createObjectNode()
        .put("uid", credentials.uid())
        .put("exp", now.plus(LOGIN_JWT_LIFETIME).getEpochSecond());
    String signingInput = b64.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initSign(credentials.privateKey());
      signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + b64.encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new PreconditionException("cannot sign the DC/OS login token for uid " + credentials.uid()
          + ": " + e.getClass().getSimpleName());
    }
  }

  private void login() {
    Instant now = clock.instant();
    Instant requestedExpiry = now.plus(tokenLifetime);
    ObjectNode body = MarathonJson.MAPPER.createObjectNode()
        .put("uid", credentials.uid())
        .put("token", signLoginJwt(now))
        .put("exp", requestedExpiry.getEpochSecond());
    HttpRequest request = HttpRequest.newBuilder(credentials.loginEndpoint())
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, BoundedBody.handler(MAX_LOGIN_REPLY, "--max-marathon-reply"));
    } catch (HttpTimeoutException e) {
      throw new DeadlineExceededException("DC/OS login at " + credentials.loginEndpoint() + " took longer than "
          + requestTimeout.toMillis() + " ms");
    } catch (IOException e) {
      throw new UnavailableException("DC/OS login at " + credentials.loginEndpoint() + " failed: "
          + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted during DC/OS login");
    }
    if (response.statusCode() / 100 != 2) {
      String reason = "status " + response.statusCode() + describe(response.body());
      if (response.statusCode() == 401 || response.statusCode() == 403 || response.statusCode() == 400) {
        throw new PreconditionException("DC/OS login for service account '" + credentials.uid() + "' at "
            + credentials.loginEndpoint() + " was refused: " + reason);
      }
      throw new UnavailableException("DC/OS login at " + credentials.loginEndpoint() + " failed: " + reason);
    }
    String newToken;
    try {
      JsonNode reply = MarathonJson.MAPPER.readTree(response.body());
      JsonNode t = reply == null ? null : reply.get("token");
      newToken = t != null && t.isTextual() && !t.asText().isEmpty() ? t.asText() : null;
    } catch (IOException e) {
      newToken = null;
    }
    if (newToken == null) {
      throw new UnavailableException("DC/OS login at " + credentials.loginEndpoint()
          + " answered without a token (expected JSON {\"token\": …})");
    }
    token = newToken;
    expiresAt = tokenExpiry(newToken).orElse(requestedExpiry);
    log.info("Logged in to DC/OS as service account {}; token valid until {}", credentials.uid(), expiresAt);
  }

  /** The {@code exp} claim of a JWT-shaped token (DC/OS tokens are RS256 JWTs), if readable. */
  private static Optional<Instant> tokenExpiry(String token) {
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      JsonNode claims = MarathonJson.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
      JsonNode exp = claims == null ? null : claims.get("exp");
      return exp != null && exp.canConvertToLong() ? Optional.of(Instant.ofEpochSecond(exp.asLong())) : Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** IAM error bodies carry {@code title}/{@code description}; only those are quoted. */
  private static String describe(String body) {
    try {
      JsonNode reply = MarathonJson.MAPPER.readTree(body);
      if (reply != null && reply.isObject()) {
        String title = reply.path("title").asText("");
        String description = reply.path("description").asText("");
        String text = (title + (description.isEmpty() ? "" : ": " + description)).strip();
        return text.isEmpty() ? "" : " (" + HttpMarathonClient.excerpt(text) + ")";
      }
    } catch (IOException e) {
      // Not JSON: say nothing more.
    }
    return "";
  }

  @Override
  public String toString() {
    return "DcosServiceAccountAuth[" + credentials + "]";
  }
}
