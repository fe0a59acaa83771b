package io.zdd.agent.haproxy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/** Small real HTTP servers on 127.0.0.1 that answer with their own name: the test's app tasks. */
final class TestBackends implements AutoCloseable {
  record Backend(String name, int port, HttpServer server, AtomicLong hits) {}

  private final List<Backend> backends = new ArrayList<>();
  private final ExecutorService pool = Executors.newFixedThreadPool(16);

  Backend start(String name) {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
      AtomicLong hits = new AtomicLong();
      s.createContext("/", ex -> {
        hits.incrementAndGet();
        byte[] body = name.getBytes(StandardCharsets.US_ASCII);
        ex.getRequestBody().readAllBytes();
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
      });
      s.setExecutor(pool);
      s.start();
      Backend b = new Backend(name, s.getAddress().getPort(), s, hits);
      backends.add(b);
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    backends.forEach(b -> b.server().stop(0));
    pool.shutdownNow();
  }
}
