package io.zdd.bench.fleet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The agents' JVM ({@link FleetAgentsMain}) as a child process: same java and class path as this
 * one, its log in {@code <dir>/agents.log}. Closing it closes its standard input (it stops its
 * agents and their HAProxies), and kills it and everything below it if it has not exited within
 * a minute.
 */
final class AgentsProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final List<FleetAgents.Started> agents;

  private AgentsProcess(Process process, Path log, List<FleetAgents.Started> agents) {
    this.process = process;
    this.log = log;
    this.agents = agents;
  }

  static AgentsProcess start(Path dir, Path pki, int count, int real, Path haproxyBin, List<String> jvmOptions,
      long readyTimeoutSeconds) throws IOException {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
        "java").toString());
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(jvmOptions);
    cmd.add("-Dzdd.log.level=" + System.getProperty("zdd.log.level", "WARN"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FleetAgentsMain.class.getName(),
        dir.toString(), pki.toString(), Integer.toString(count), Integer.toString(real), haproxyBin.toString()));
    Path log = dir.resolve("agents.log");
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    CountDownLatch ready = new CountDownLatch(1);
    Thread watchdog = new Thread(() -> {
      try {
        if (!ready.await(readyTimeoutSeconds, TimeUnit.SECONDS)) {
          System.err.println("bench: agents not ready within " + readyTimeoutSeconds + " s; stopping them");
          kill(p);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "agents-ready-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.equals(FleetAgentsMain.READY)) {
        System.err.println("bench: agents: " + line);
      }
      if (line == null) {
        throw new IllegalStateException("the agents' JVM exited before it was ready: " + tail(log));
      }
      ready.countDown();
      List<FleetAgents.Started> agents = Files.readAllLines(dir.resolve("agents.txt"), StandardCharsets.UTF_8).stream()
          .filter(l -> !l.isBlank()).map(FleetAgents.Started::parse).toList();
      return new AgentsProcess(p, log, agents);
    } catch (IOException | RuntimeException e) {
      kill(p);
      throw e;
    } finally {
      ready.countDown();
    }
  }

  long pid() {
    return process.pid();
  }

  List<FleetAgents.Started> agents() {
    return agents;
  }

  /** The last lines the agents' JVM logged. */
  String logTail() {
    return tail(log);
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        System.err.println("bench: the agents' JVM did not stop within 60 s; killing it");
        kill(process);
      }
    } catch (IOException e) {
      kill(process);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(process);
    }
  }

  private static void kill(Process p) {
    List<ProcessHandle> below = p.descendants().toList();
    p.destroyForcibly();
    below.forEach(ProcessHandle::destroyForcibly);
  }
}
