package io.zdd.coordinator.marathon;

import io.zdd.common.error.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * HTTP basic auth from {@code --auth-credentials user:pass} or a credentials file whose first
 * line is {@code user:pass} (zdd.py's two sources). The password never appears in
 * {@link #toString()} or in an error message.
 */
public final class BasicAuth implements MarathonAuth {
  private final String user;
  private final String header;

  private BasicAuth(String user, String password) {
    this.user = user;
    this.header = "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Parses {@code user:pass} (the password may itself contain colons).
   *
   * @param source names where the value came from in an error, e.g. {@code --auth-credentials}
   */
  public static BasicAuth parse(String source, String userColonPassword) {
    Objects.requireNonNull(source, "source");
    if (userColonPassword == null) {
      throw new InvalidInputException(source, "missing; expected user:password");
    }
    String value = userColonPassword.strip();
    int colon = value.indexOf(':');
    // Deliberately do not echo the value: it holds the password.
    if (colon <= 0 || colon == value.length() - 1) {
      throw new InvalidInputException(source, "must have the form user:password (value not shown)");
    }
    return new BasicAuth(value.substring(0, colon), value.substring(colon + 1));
  }

  /** Reads the first line of a credentials file. */
  public static BasicAuth fromFile(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidInputException("auth-credentials-file", "cannot read " + file + ": " + e.getClass().getSimpleName());
    }
    if (lines.isEmpty()) {
      throw new InvalidInputException("auth-credentials-file", file + " is empty; expected user:password on the first line");
    }
    return parse("auth-credentials-file " + file, lines.get(0));
  }

  public String user() {
    return user;
  }

  @Override
  public Optional<String> authorization() {
    return Optional.of(header);
  }

  @Override
  public boolean refreshAfterUnauthorized() {
    // The same password would be refused again.
    return false;
  }

  @Override
  public String toString() {
    return "BasicAuth[user=" + user + ", password=<redacted>]";
  }
}
