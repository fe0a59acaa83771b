package io.zdd.common.config;

import io.zdd.common.error.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file holding a secret (a {@code user:password}, a token), named by a flag. The content is
 * never put in a message.
 */
public final class CredentialsFile {
  private CredentialsFile() {}

  /** The first line of {@code file}, which must look like {@code user:password}. */
  public static String userPassword(String flag, Path file) {
    String line = firstLine(flag, file);
    if (line.indexOf(':') <= 0) {
      throw new InvalidInputException(flag, "first line of " + file + " must be user:password");
    }
    return line;
  }

  /** The first line of {@code file}, trimmed; it must not be empty. */
  public static String firstLine(String flag, Path file) {
    try {
      String line = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("").trim();
      if (line.isEmpty()) {
        throw new InvalidInputException(flag, "first line of " + file + " is empty");
      }
      return line;
    } catch (IOException e) {
      throw new InvalidInputException(flag, "cannot read " + file + ": " + e.getClass().getSimpleName());
    }
  }
}
