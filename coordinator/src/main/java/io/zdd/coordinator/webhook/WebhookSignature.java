package io.zdd.coordinator.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How zdd signs a webhook body: {@code X-Zdd-Signature: sha256=<hex HMAC-SHA256(secret,
 * timestamp + "." + body)>} with {@code X-Zdd-Timestamp: <unix seconds>}. Signing the time with
 * the body lets a receiver refuse an old request replayed (docs/security.md).
 */
public final class WebhookSignature {
  public static final String SIGNATURE_HEADER = "X-Zdd-Signature";
  public static final String TIMESTAMP_HEADER = "X-Zdd-Timestamp";
  private static final String PREFIX = "sha256=";

  private WebhookSignature() {}

  /** The value of {@link #SIGNATURE_HEADER}. */
  public static String sign(byte[] secret, long timestamp, String body) {
    return PREFIX + HexFormat.of().formatHex(mac(secret, timestamp, body));
  }

  /** True when {@code header} is the signature of {@code timestamp} and {@code body}; compared in constant time. */
  public static boolean verify(byte[] secret, long timestamp, String body, String header) {
    if (header == null || !header.startsWith(PREFIX)) {
      return false;
    }
    byte[] given;
    try {
      given = HexFormat.of().parseHex(header.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(given, mac(secret, timestamp, body));
  }

  private static byte[] mac(byte[] secret, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
