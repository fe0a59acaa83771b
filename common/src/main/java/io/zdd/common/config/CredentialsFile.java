package io.zdd.common.config;

import io.zdd.common.error.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A file whose first line is {@code user:password}, named by a flag. The content is never put in a message. */
public final class CredentialsFile {
  private CredentialsFile() {}

  /** The first line of {@code file}, which must look like {@code user:password}. */
  public static String userPassword(String flag, Path file) {
    try {
      String line = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("").trim();
      if (line.indexOf(':') <= 0) {
        throw new InvalidInputException(flag, "first line of " + file + " must be user:password");
      }
      return line;
    } catch (IOException e) {
      throw new InvalidInputException(flag, "cannot read " + file + ": " + e.getClass().getSimpleName());
    }
  }
}
