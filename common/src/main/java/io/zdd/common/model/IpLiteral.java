package io.zdd.common.model;

import java.util.regex.Pattern;

/**
 * Strict IP literal syntax, checked without any name lookup: dotted-quad IPv4 (no leading zeros,
 * no shortened forms such as {@code 1.2.3}) and RFC 4291 IPv6 text (hex groups, one {@code ::},
 * an optional embedded IPv4 tail), without brackets, ports or zone ids. The addresses end up in
 * HAProxy's config and runtime commands, where anything else is refused or misread (HAProxy
 * takes {@code 1.2.3.4:80} as an address with a port).
 */
public final class IpLiteral {
  private static final Pattern IPV4 =
      Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");

  private IpLiteral() {}

  /** True for a valid IPv4 or IPv6 literal. */
  public static boolean isValid(String value) {
    return value != null && (isIpv4(value) || isIpv6(value));
  }

  public static boolean isIpv4(String value) {
    return value != null && IPV4.matcher(value).matches();
  }

  public static boolean isIpv6(String value) {
    if (value == null || value.length() < 2 || value.length() > 45 || !value.contains(":")) {
      return false;
    }
    int gap = value.indexOf("::");
    if (gap >= 0 && value.indexOf("::", gap + 1) >= 0) {
      return false; // at most one "::"
    }
    if (gap < 0) {
      return groups(value, true) == 8;
    }
    String head = value.substring(0, gap);
    String tail = value.substring(gap + 2);
    int h = head.isEmpty() ? 0 : groups(head, false);
    int t = tail.isEmpty() ? 0 : groups(tail, true);
    // "::" stands for at least one group of zeros.
    return h >= 0 && t >= 0 && h + t <= 7;
  }

  /**
   * Counts the 16-bit groups of a colon-separated run, an IPv4 tail counting two; -1 when the run
   * is malformed. Only the run at the end of the address may end in an IPv4 tail.
   */
  private static int groups(String run, boolean mayEndInIpv4) {
    String[] parts = run.split(":", -1);
    int n = 0;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (i == parts.length - 1 && mayEndInIpv4 && p.contains(".")) {
        if (!isIpv4(p)) {
          return -1;
        }
        n += 2;
      } else if (HEX_GROUP.matcher(p).matches()) {
        n += 1;
      } else {
        return -1;
      }
    }
    return n;
  }
}
