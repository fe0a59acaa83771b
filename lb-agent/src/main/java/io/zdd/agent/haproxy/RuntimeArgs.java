package io.zdd.agent.haproxy;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.IpLiteral;
import io.zdd.common.model.Validation;
import java.util.regex.Pattern;

/**
 * Checks every value before it is put on an HAProxy command line. HAProxy splits commands on
 * {@code ;} and newlines and arguments on spaces, so none of those (nor backslashes or control
 * characters) may reach the wire from a value.
 */
final class RuntimeArgs {
  /** Proxy names the agent uses: validated group names plus its own prefix and ':' suffix. */
  private static final Pattern PROXY = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");
  /** Server keywords for {@code add server}: words and numbers only. */
  private static final Pattern KEYWORD = Pattern.compile("[A-Za-z0-9_.%/-]{1,64}");

  private RuntimeArgs() {}

  static String proxy(String field, String value) {
    if (value == null || !PROXY.matcher(value).matches()) {
      throw new InvalidInputException(field, "not a valid HAProxy proxy name");
    }
    return value;
  }

  static String server(String field, String value) {
    return Validation.name(field, value);
  }

  static String address(String field, String value) {
    if (!IpLiteral.isValid(value)) {
      throw new InvalidInputException(field, "must be an IPv4 or IPv6 literal");
    }
    return value;
  }

  static String keyword(String field, String value) {
    if (value == null || !KEYWORD.matcher(value).matches()) {
      throw new InvalidInputException(field, "not a valid server keyword or value");
    }
    return value;
  }

  static int pid(int pid) {
    if (pid < 1) {
      throw new InvalidInputException("pid", "must be positive, got " + pid);
    }
    return pid;
  }

  /** Last line of defence: a whole command line must be one printable line with no separator. */
  static String line(String line) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == ';' || c == '\\' || c < 0x20 || c > 0x7e) {
        throw new InvalidInputException("command", "contains a forbidden character at " + i);
      }
    }
    return line;
  }
}
