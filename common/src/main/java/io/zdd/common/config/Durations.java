package io.zdd.common.config;

import io.zdd.common.error.InvalidInputException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * The one way durations are written on every command line and in every environment variable of
 * zdd: a number and a unit, {@code 250ms}, {@code 10s}, {@code 1.5s}, {@code 5m}, {@code 2h}. A
 * bare number is seconds (zdd.py's {@code --max-wait 300} and {@code --step-delay 5} keep their
 * meaning). ISO-8601 ({@code PT10S}) is still read, for configurations written before.
 */
public final class Durations {
  private static final Pattern SHORT = Pattern.compile("(\\d{1,12}(?:\\.\\d{1,9})?)(ms|s|m|h)?");

  private Durations() {}

  /** @throws InvalidInputException naming {@code flag} for anything else, or a negative duration */
  public static Duration parse(String flag, String text) {
    String t = text == null ? "" : text.trim();
    Matcher m = SHORT.matcher(t);
    if (m.matches()) {
      BigDecimal n = new BigDecimal(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      BigDecimal nanosPerUnit = BigDecimal.valueOf(switch (unit) {
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        default -> 3_600_000_000_000L;
      });
      try {
        return Duration.ofNanos(n.multiply(nanosPerUnit).toBigInteger().longValueExact());
      } catch (ArithmeticException e) {
        throw new InvalidInputException(flag, "is too long: '" + t + "'");
      }
    }
    if (t.startsWith("P") || t.startsWith("p")) {
      try {
        Duration d = Duration.parse(t);
        if (!d.isNegative()) {
          return d;
        }
      } catch (DateTimeParseException e) {
        // falls through to the refusal below
      }
    }
    throw new InvalidInputException(flag, "must be a duration such as 250ms, 10s, 5m or 2h (a bare number is "
        + "seconds), got '" + t + "'");
  }

  /** The short form: {@code 250ms}, {@code 10s}, {@code 90s}, {@code 5m}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    return s != 0 && s % 60 == 0 ? (s / 60) + "m" : s + "s";
  }

  /** For picocli: register on a command line so every {@link Duration} option reads this form. */
  public static final class Converter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return parse("duration", value);
      } catch (InvalidInputException e) {
        throw new CommandLine.TypeConversionException(e.reason());
      }
    }
  }
}
