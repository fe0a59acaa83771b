package io.zdd.agent.haproxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The TCP ports the base config's own frontends and listen sections bind (Marathon-LB's
 * {@code marathon_http_in}, its per-app frontends, the operator's stats page, …). HAProxy binds
 * with SO_REUSEPORT, so a zdd frontend on one of these ports would be accepted without a word and
 * silently take part of that frontend's connections; the agent refuses it instead.
 */
final class BaseConfigBinds {
  /** One bound port range of a named section, on an address ({@code *} for every address). */
  record Bind(String section, String address, int fromPort, int toPort) {
    boolean overlaps(String otherAddress, int port) {
      return port >= fromPort && port <= toPort
          && (isWildcard(address) || isWildcard(otherAddress) || address.equals(otherAddress));
    }
  }

  private BaseConfigBinds() {}

  /** Every TCP bind of every frontend and listen section of {@code config}. */
  static List<Bind> parse(String config) {
    List<Bind> out = new ArrayList<>();
    String section = null;
    for (String raw : config.split("\n")) {
      String line = raw.strip();
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash).strip();
      }
      if (line.isEmpty()) {
        continue;
      }
      String[] words = line.split("\\s+");
      if (!Character.isWhitespace(raw.charAt(0))) {
        // A section header starts at column 0 in practice; indented lines belong to it.
        section = (words[0].equals("frontend") || words[0].equals("listen")) && words.length > 1 ? words[1] : null;
        continue;
      }
      if (section != null && words[0].equals("bind") && words.length > 1) {
        for (String spec : words[1].split(",")) {
          parseSpec(section, spec).ifPresent(out::add);
        }
      }
    }
    return out;
  }

  /** {@code addr:port}, {@code addr:from-to}, {@code :port}, {@code ipv4@…}/{@code ipv6@…}; others are not TCP. */
  private static Optional<Bind> parseSpec(String section, String spec) {
    String s = spec;
    int at = s.indexOf('@');
    if (at >= 0) {
      String family = s.substring(0, at);
      if (!family.equals("ipv4") && !family.equals("ipv6") && !family.equals("tcp") && !family.equals("tcp4")
          && !family.equals("tcp6")) {
        return Optional.empty(); // unix@, abns@, fd@, sockpair@, quic…: no TCP port to clash with
      }
      s = s.substring(at + 1);
    }
    int colon = s.lastIndexOf(':');
    if (colon < 0) {
      return Optional.empty();
    }
    String address = s.substring(0, colon).replace("[", "").replace("]", "");
    String ports = s.substring(colon + 1);
    try {
      int dash = ports.indexOf('-');
      int from = Integer.parseInt(dash < 0 ? ports : ports.substring(0, dash));
      int to = dash < 0 ? from : Integer.parseInt(ports.substring(dash + 1));
      return Optional.of(new Bind(section, address.isEmpty() ? "*" : address, from, to));
    } catch (NumberFormatException e) {
      return Optional.empty(); // an environment variable or something else HAProxy resolves itself
    }
  }

  static boolean isWildcard(String address) {
    return address.isEmpty() || address.equals("*") || address.equals("0.0.0.0") || address.equals("::");
  }
}
