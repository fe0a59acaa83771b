package io.zdd.deploy.marathon;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one health check once, the way Marathon's (HTTP 200-399, TCP connect, command exit 0). */
final class HealthProbe {
  record Result(boolean healthy, String cause) {
    static Result ok() {
      return new Result(true, null);
    }

    static Result failed(String cause) {
      return new Result(false, cause);
    }
  }

  private HealthProbe() {}

  static Result run(HealthCheckSpec check, String host, int port, Map<String, String> env, Path workDir) {
    try {
      return switch (check.protocol()) {
        case HTTP, HTTPS -> http(check, host, port);
        case TCP -> tcp(host, port, check.timeout());
        case COMMAND -> command(check.command(), env, workDir, check.timeout());
      };
    } catch (IOException e) {
      return Result.failed(e.getClass().getSimpleName() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.failed("interrupted");
    }
  }

  private static Result http(HealthCheckSpec check, String host, int port) throws IOException {
    String scheme = check.protocol() == HealthCheckSpec.Protocol.HTTPS ? "https" : "http";
    String path = check.path().startsWith("/") ? check.path() : "/" + check.path();
    HttpURLConnection connection =
        (HttpURLConnection) URI.create(scheme + "://" + host + ":" + port + path).toURL().openConnection();
    int timeout = (int) check.timeout().toMillis();
    connection.setConnectTimeout(timeout);
    connection.setReadTimeout(timeout);
    connection.setInstanceFollowRedirects(false);
    connection.setUseCaches(false);
    connection.setRequestProperty("Connection", "close");
    try {
      int status = connection.getResponseCode();
      drain(connection, status);
      if (status >= 200 && status < 400) {
        return Result.ok();
      }
      return Result.failed(status + " " + connection.getResponseMessage());
    } finally {
      connection.disconnect();
    }
  }

  private static void drain(HttpURLConnection connection, int status) {
    try (InputStream body = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
      if (body != null) {
        body.readNBytes(64 * 1024);
      }
    } catch (IOException ignored) {
      // the status decides; a body cut short does not matter
    }
  }

  private static Result tcp(String host, int port, Duration timeout) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      return Result.ok();
    }
  }

  private static Result command(String command, Map<String, String> env, Path workDir, Duration timeout)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command);
    builder.environment().putAll(env);
    builder.directory(workDir.toFile());
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process process = builder.start();
    ProcessTree tree = new ProcessTree(process.toHandle());
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      tree.kill();
      return Result.failed("command timed out after " + timeout.toSeconds() + " s");
    }
    tree.kill(); // children it left behind
    int exit = process.exitValue();
    return exit == 0 ? Result.ok() : Result.failed("command exited with " + exit);
  }
}
