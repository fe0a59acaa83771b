package io.zdd.deploy.marathon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A scheduler plus its HTTP API on a free loopback port, for one test class. */
final class LocalMarathonFixture implements AutoCloseable {
  final LocalMarathon marathon;
  final MarathonHttpServer server;
  final MarathonClient client;

  LocalMarathonFixture() throws IOException {
    this(LocalMarathonConfig.defaults());
  }

  LocalMarathonFixture(LocalMarathonConfig config) throws IOException {
    marathon = new LocalMarathon(config);
    server = MarathonHttpServer.start(marathon, "127.0.0.1", 0);
    marathon.start();
    client = new MarathonClient(server.url());
  }

  String url() {
    return server.url();
  }

  /** A fixture file from the shared fixtures (marathon-lb), copied into src/test/resources. */
  static String fixture(String name) throws IOException {
    try (var in = LocalMarathonFixture.class.getResourceAsStream("/marathon-lb/" + name)) {
      if (in == null) {
        throw new IOException("missing test resource marathon-lb/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A python web server on $PORT0 (cheap to start; 2 cores are shared by everyone). */
  static String pythonServer() {
    return "exec '" + python() + "' -m http.server --bind 127.0.0.1 $PORT0";
  }

  private static volatile String python;

  /**
   * The real interpreter behind {@code python3}: a pyenv shim would add two bash processes and a
   * second of start-up to every task.
   */
  static String python() {
    if (python == null) {
      try {
        Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
          throw new IllegalStateException("cannot find python3: " + out);
        }
        python = out;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return python;
  }

  static Path javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  @Override
  public void close() {
    server.close();
    marathon.close();
  }
}
