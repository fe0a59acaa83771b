package io.zdd.coordinator.marathon;

import java.io.IOException;
import java.io.Reader;
import java.util.Optional;

/**
 * Server-sent events framing, bounded: {@code event:} and {@code data:} fields, {@code :}
 * comments, an empty line ends an event; lines end with LF, CR or CRLF. A line longer than
 * {@code maxLine} or an event longer than {@code maxEvent} characters ends the stream with an
 * IOException (the caller reconnects), so a broken or hostile peer cannot fill the heap.
 */
final class SseReader {
  private final int maxLine;
  private final int maxEvent;

  /** One event: its type ({@code event:} field, or null) and its data lines joined by LF. */
  record Event(String type, String data) {}

  private final Reader in;
  private int pushedBack = -2;

  SseReader(Reader in, int maxLine, int maxEvent) {
    this.in = in;
    this.maxLine = maxLine;
    this.maxEvent = maxEvent;
  }

  /** The next event with data, or empty at the end of the stream. */
  Optional<Event> next() throws IOException {
    String type = null;
    StringBuilder data = new StringBuilder();
    String line;
    while ((line = readLine()) != null) {
      if (line.isEmpty()) {
        if (data.length() > 0) {
          return Optional.of(new Event(type, data.toString()));
        }
        type = null;
      } else if (line.startsWith(":")) {
        continue;
      } else if (line.startsWith("event:")) {
        type = line.substring(6).strip();
      } else if (line.startsWith("data:")) {
        if (data.length() > 0) {
          data.append('\n');
        }
        String value = line.substring(5);
        data.append(value.startsWith(" ") ? value.substring(1) : value);
        if (data.length() > maxEvent) {
          throw new IOException("Marathon event longer than " + maxEvent + " characters (--max-marathon-reply)");
        }
      }
    }
    return Optional.empty();
  }

  private int read() throws IOException {
    if (pushedBack != -2) {
      int c = pushedBack;
      pushedBack = -2;
      return c;
    }
    return in.read();
  }

  private String readLine() throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = read()) != -1) {
      if (c == '\n') {
        return b.toString();
      }
      if (c == '\r') {
        int n = read();
        if (n != '\n' && n != -1) {
          pushedBack = n;
        }
        return b.toString();
      }
      if (b.length() >= maxLine) {
        throw new IOException("Marathon event stream line longer than " + maxLine + " characters (--max-sse-line)");
      }
      b.append((char) c);
    }
    return b.length() == 0 ? null : b.toString();
  }
}
