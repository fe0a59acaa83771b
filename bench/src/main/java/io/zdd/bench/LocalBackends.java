package io.zdd.bench;

import com.sun.net.httpserver.HttpServer;
import io.zdd.common.concurrent.NamedThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Tiny HTTP servers on 127.0.0.1, the benchmark's app tasks. They answer 200 with their name on
 * every path, so both health-check paths the benchmark toggles between pass.
 */
final class LocalBackends implements AutoCloseable {
  private final List<HttpServer> servers = new ArrayList<>();
  private final ExecutorService pool = Executors.newFixedThreadPool(8, new NamedThreadFactory("bench-backend"));

  /** Starts one backend and returns its port. */
  int start(String name) {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
      byte[] body = (name + "\n").getBytes(StandardCharsets.US_ASCII);
      s.createContext("/", ex -> {
        ex.getRequestBody().readAllBytes();
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
      });
      s.setExecutor(pool);
      s.start();
      servers.add(s);
      return s.getAddress().getPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start backend " + name, e);
    }
  }

  @Override
  public void close() {
    servers.forEach(s -> s.stop(0));
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
