package io.zdd.agent.haproxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A plain-socket HTTP/1.1 client: no hidden retries (unlike HttpClient), so every failure counts.
 * Keeps its connection open between requests (keep-alive) unless told otherwise.
 */
final class HttpProbe implements AutoCloseable {
  private final int port;
  private final boolean keepAlive;
  private Socket socket;

  HttpProbe(int port, boolean keepAlive) {
    this.port = port;
    this.keepAlive = keepAlive;
  }

  /** One GET; returns the body (the backend's name) or throws on any error or non-200. */
  String get() throws IOException {
    if (socket == null) {
      socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(5000);
    }
    OutputStream out = socket.getOutputStream();
    out.write(("GET / HTTP/1.1\r\nHost: t\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    String status = readLine(in);
    if (status == null) {
      close();
      throw new IOException("EOF before response");
    }
    int len = -1;
    boolean serverCloses = false;
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      String l = line.toLowerCase(Locale.ROOT);
      if (l.startsWith("content-length:")) {
        len = Integer.parseInt(l.substring(15).strip());
      } else if (l.startsWith("connection:") && l.contains("close")) {
        serverCloses = true;
      }
    }
    if (line == null || len < 0) {
      close();
      throw new IOException("truncated response: " + status);
    }
    byte[] body = in.readNBytes(len);
    if (body.length != len) {
      close();
      throw new IOException("truncated body");
    }
    if (!keepAlive || serverCloses) {
      close();
    }
    if (!status.startsWith("HTTP/1.1 200")) {
      throw new IOException("status " + status);
    }
    return new String(body, StandardCharsets.US_ASCII);
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int n = sb.length();
        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
      }
      sb.append((char) c);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
      socket = null;
    }
  }
}
