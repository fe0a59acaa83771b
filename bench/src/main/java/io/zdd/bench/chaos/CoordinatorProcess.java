package io.zdd.bench.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One coordinator in its own JVM ({@code CoordinatorMain}), as it runs in production, so the soak
 * can crash it for real (SIGKILL: nothing releases its election node or finishes its tick) and
 * freeze it (SIGSTOP: its ZooKeeper session expires while it is unaware, then SIGCONT wakes a
 * deposed leader). Its ports are fixed, so a restart takes the same address.
 */
final class CoordinatorProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final String name;
  private final int grpcPort;
  private final int metricsPort;
  private final List<String> flags;
  private final Path log;
  private Process process;
  private int starts;
  private boolean frozen;

  CoordinatorProcess(String name, int grpcPort, int metricsPort, List<String> flags, Path log) {
    this.name = name;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
    this.flags = List.copyOf(flags);
    this.log = log;
  }

  synchronized void start() throws IOException {
    List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java",
        "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "io.zdd.coordinator.CoordinatorMain",
        "--listen", address(), "--advertise", address(), "--metrics-listen", "127.0.0.1:" + metricsPort));
    cmd.addAll(flags);
    starts++;
    frozen = false;
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  String name() {
    return name;
  }

  String address() {
    return "127.0.0.1:" + grpcPort;
  }

  synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  synchronized long pid() {
    return process.pid();
  }

  /** How many times this coordinator was started (restarts after a crash or an exit included). */
  synchronized int starts() {
    return starts;
  }

  /** SIGKILL, and waits until the process is gone. */
  synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Sends a signal by name (STOP, CONT); the name is a constant, never user input. */
  synchronized void signal(String signal) throws IOException {
    if (alive()) {
      HostCommands.signal(signal, process.pid());
      frozen = signal.equals("STOP");
    }
  }

  /** Running and not frozen: it can answer a call. */
  synchronized boolean answers() {
    return alive() && !frozen;
  }

  /** True when its metrics endpoint says it leads ({@code zdd_leader 1}). */
  boolean leads() {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return r.body().lines().anyMatch(l -> l.startsWith("zdd_leader ") && !l.endsWith(" 0.0"));
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** SIGTERM (a clean stop), then SIGKILL after 30 s. */
  @Override
  public synchronized void close() {
    if (process == null) {
      return;
    }
    try {
      signal("CONT"); // a frozen process would never act on TERM
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
