package io.zdd.coordinator.cli;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * Everything the CLI prints goes through this: text that came from a server (error messages,
 * event messages, agent and group names) may not carry control characters, so it can neither
 * drive the operator's terminal (escape sequences) nor rewrite what was printed before (carriage
 * return, backspace). Newline and tab, which the CLI itself prints, pass; every other C0/C1
 * control character and DEL becomes {@code ?}.
 */
final class TerminalSafeWriter extends FilterWriter {
  private TerminalSafeWriter(Writer out) {
    super(out);
  }

  static PrintWriter wrap(PrintWriter out) {
    return new PrintWriter(new TerminalSafeWriter(out), true);
  }

  static char safe(char c) {
    if (c == '\n' || c == '\t') {
      return c;
    }
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) ? '?' : c;
  }

  @Override
  public void write(int c) throws IOException {
    super.write(safe((char) c));
  }

  @Override
  public void write(char[] cbuf, int off, int len) throws IOException {
    char[] copy = new char[len];
    for (int i = 0; i < len; i++) {
      copy[i] = safe(cbuf[off + i]);
    }
    super.write(copy, 0, len);
  }

  @Override
  public void write(String str, int off, int len) throws IOException {
    write(str.toCharArray(), off, len);
  }
}
