package io.zdd.common.config;

import io.zdd.common.error.InvalidInputException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * The one way sizes are written on every command line and in every environment variable of zdd:
 * a whole number of bytes, or with a binary unit, {@code 64KiB}, {@code 4MiB}, {@code 1GiB}.
 */
public final class ByteSizes {
  private static final Pattern SIZE = Pattern.compile("(\\d{1,10})(B|KiB|MiB|GiB)?");

  private ByteSizes() {}

  /** @throws InvalidInputException naming {@code flag} for anything else, or more than {@code Integer.MAX_VALUE} bytes */
  public static int parse(String flag, String text) {
    String t = text == null ? "" : text.trim();
    Matcher m = SIZE.matcher(t);
    if (!m.matches()) {
      throw new InvalidInputException(flag, "must be a size such as 65536, 64KiB, 4MiB or 1GiB, got '" + t + "'");
    }
    long n = Long.parseLong(m.group(1));
    int shift = switch (m.group(2) == null ? "B" : m.group(2)) {
      case "KiB" -> 10;
      case "MiB" -> 20;
      case "GiB" -> 30;
      default -> 0;
    };
    if (n > (Integer.MAX_VALUE >> shift)) {
      throw new InvalidInputException(flag, "is too large: '" + t + "'");
    }
    return (int) (n << shift);
  }

  /** The short form: {@code 64KiB}, {@code 4MiB}, or bytes when no unit divides it. */
  public static String format(int bytes) {
    if (bytes != 0 && bytes % (1 << 30) == 0) {
      return (bytes >> 30) + "GiB";
    }
    if (bytes != 0 && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + "MiB";
    }
    if (bytes != 0 && bytes % (1 << 10) == 0) {
      return (bytes >> 10) + "KiB";
    }
    return Integer.toString(bytes);
  }

  /** For picocli: {@code converter = ByteSizes.Converter.class} on an {@code int} option read in this form. */
  public static final class Converter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      try {
        return parse("size", value);
      } catch (InvalidInputException e) {
        throw new CommandLine.TypeConversionException(e.reason());
      }
    }
  }
}
