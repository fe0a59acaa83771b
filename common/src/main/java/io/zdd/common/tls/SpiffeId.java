package io.zdd.common.tls;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A zdd identity as carried in a certificate's URI subject alternative name:
 * {@code spiffe://<trust domain>/<role>/<name>}. Peers are recognised by this identity, never by
 * host name: agents and coordinators move between hosts, their identities do not.
 */
public record SpiffeId(String trustDomain, Role role, String name) {
  private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,62}[a-z0-9])?");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  /** The URI SAN type in {@link X509Certificate#getSubjectAlternativeNames()}. */
  private static final int URI_SAN = 6;

  /** What a certificate holder is. */
  public enum Role {
    /** A zdd coordinator: may command agents. */
    COORDINATOR,
    /** An lb-agent beside one HAProxy. */
    AGENT,
    /** A person or tool using the CLI; what it may do is the coordinator's role map's business. */
    OPERATOR,
    /** A ZooKeeper server (for ZooKeeper over TLS); may call nothing of zdd's. */
    ZOOKEEPER;

    String path() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Role> ofPath(String path) {
      for (Role r : values()) {
        if (r.path().equals(path)) {
          return Optional.of(r);
        }
      }
      return Optional.empty();
    }
  }

  public SpiffeId {
    requireTrustDomain(trustDomain);
    if (role == null) {
      throw new IllegalArgumentException("role is required");
    }
    requireName(name);
  }

  /** {@code domain} if it is a valid trust domain; IllegalArgumentException saying why otherwise. */
  public static String requireTrustDomain(String domain) {
    if (domain == null || !DOMAIN.matcher(domain).matches()) {
      throw new IllegalArgumentException("trust domain must be lower-case letters, digits, '.' and '-', got '"
          + domain + "'");
    }
    return domain;
  }

  /** {@code name} if it is a valid identity name; IllegalArgumentException saying why otherwise. */
  public static String requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name must be 1-64 of [A-Za-z0-9_.-], got '" + name + "'");
    }
    return name;
  }

  public URI uri() {
    return URI.create("spiffe://" + trustDomain + "/" + role.path() + "/" + name);
  }

  /** Parses {@code spiffe://domain/role/name}; anything else (extra segments, query, port) is empty. */
  public static Optional<SpiffeId> parse(String text) {
    URI u;
    try {
      u = new URI(text);
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
    if (!"spiffe".equals(u.getScheme()) || u.getHost() == null || u.getPort() != -1 || u.getRawQuery() != null
        || u.getRawFragment() != null || u.getRawUserInfo() != null || u.getRawPath() == null) {
      return Optional.empty();
    }
    String[] parts = u.getRawPath().split("/", -1);
    if (parts.length != 3 || !parts[0].isEmpty()) {
      return Optional.empty();
    }
    Optional<Role> role = Role.ofPath(parts[1]);
    if (role.isEmpty() || !NAME.matcher(parts[2]).matches() || !DOMAIN.matcher(u.getHost()).matches()) {
      return Optional.empty();
    }
    return Optional.of(new SpiffeId(u.getHost(), role.get(), parts[2]));
  }

  /**
   * The certificate's zdd identity: exactly one {@code spiffe://} URI SAN that parses. Two or
   * more make the certificate ambiguous and give none.
   */
  public static Optional<SpiffeId> of(X509Certificate certificate) {
    Collection<List<?>> sans;
    try {
      sans = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (sans == null) {
      return Optional.empty();
    }
    List<String> spiffe = new ArrayList<>();
    for (List<?> san : sans) {
      if (san.size() == 2 && Integer.valueOf(URI_SAN).equals(san.get(0)) && san.get(1) instanceof String s
          && s.startsWith("spiffe:")) {
        spiffe.add(s);
      }
    }
    return spiffe.size() == 1 ? parse(spiffe.get(0)) : Optional.empty();
  }

  @Override
  public String toString() {
    return uri().toString();
  }
}
