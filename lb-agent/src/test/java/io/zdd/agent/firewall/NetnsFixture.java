package io.zdd.agent.firewall;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away network namespace for one test class, and processes run inside it with
 * {@code ip netns exec}. Everything it starts is killed and the namespace deleted on close, so
 * the host's own iptables and sockets are never touched.
 */
final class NetnsFixture implements AutoCloseable {
  final String name = "zddtest-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<Process> processes = new ArrayList<>();
  private final Path probeScript;

  NetnsFixture(Path workDir) throws Exception {
    run("ip", "netns", "add", name);
    run("ip", "-n", name, "link", "set", "lo", "up");
    probeScript = workDir.resolve("netns_probe.py");
    try (InputStream in = NetnsFixture.class.getResourceAsStream("netns_probe.py")) {
      Files.copy(in, probeScript);
    }
  }

  /** A line-per-connection identity server on 127.0.0.1:port inside the namespace. */
  Probe server(int port, String identity) throws Exception {
    Probe p = start("server", Integer.toString(port), identity);
    p.expect("listening");
    return p;
  }

  /** An interactive client inside the namespace (see netns_probe.py). */
  Probe client() throws Exception {
    return start("client");
  }

  /** Runs a command inside the namespace and returns its stdout. */
  String exec(String... argv) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
    cmd.addAll(List.of(argv));
    return run(cmd.toArray(String[]::new));
  }

  private Probe start(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name, "python3", "-u", probeScript.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    synchronized (processes) {
      processes.add(p);
    }
    return new Probe(p);
  }

  static String run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", argv) + " timed out");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", argv) + " failed (" + p.exitValue() + "): " + out);
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    synchronized (processes) {
      for (Process p : processes) {
        p.destroyForcibly();
      }
      for (Process p : processes) {
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
    run("ip", "netns", "del", name);
  }

  /** One process's line-based conversation: write a command, read its one-line answer. */
  static final class Probe {
    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Probe(Process process) {
      this.process = process;
      this.stdin = process.getOutputStream();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String l;
          while ((l = r.readLine()) != null) {
            lines.add(l);
          }
        } catch (IOException e) {
          // process ended
        }
      }, "netns-probe-reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** Sends one command and returns the answer line (5 s deadline). */
    String say(String command) throws Exception {
      stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      return next();
    }

    void expect(String line) throws Exception {
      String got = next();
      if (!line.equals(got)) {
        throw new IllegalStateException("expected '" + line + "', got '" + got + "'");
      }
    }

    private String next() throws InterruptedException {
      String l = lines.poll(5, TimeUnit.SECONDS);
      if (l == null) {
        throw new IllegalStateException("no answer within 5 s (alive=" + process.isAlive() + ")");
      }
      return l;
    }
  }
}
