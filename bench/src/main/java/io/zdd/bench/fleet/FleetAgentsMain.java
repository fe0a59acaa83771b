package io.zdd.bench.fleet;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The fleet benchmark's agents JVM: starts N lb-agents ({@link FleetAgents}: K with a real HAProxy,
 * the rest on runtime-API stand-ins), writes one line per agent to {@code <dir>/agents.txt}, prints
 * {@value #READY} and runs until its standard input ends (the bench closes it, or dies). Its own
 * process, so its CPU and memory are the agents' alone.
 *
 * <p>Arguments: {@code DIR PKI_DIR COUNT REAL HAPROXY_BIN}.
 */
public final class FleetAgentsMain {
  static final String READY = "FLEET-AGENTS-READY";

  private FleetAgentsMain() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("zdd.log.level") == null) {
      System.setProperty("zdd.log.level", "WARN");
    }
    if (args.length != 5) {
      System.err.println("usage: FleetAgentsMain DIR PKI_DIR COUNT REAL HAPROXY_BIN");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    FleetAgents agents = FleetAgents.start(dir, Path.of(args[1]), Integer.parseInt(args[2]),
        Integer.parseInt(args[3]), Path.of(args[4]));
    Runtime.getRuntime().addShutdownHook(new Thread(agents::close, "fleet-agents-stop"));
    List<String> lines = agents.started().stream().map(FleetAgents.Started::line).toList();
    Files.write(dir.resolve("agents.txt"), lines, StandardCharsets.UTF_8);
    System.out.println(READY);
    System.out.flush();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // nothing to read: the end of input is the signal to stop
      }
    }
    System.exit(0); // the shutdown hook stops the agents and their HAProxies
  }
}
