package io.zdd.bench.chaos;

import io.zdd.deploy.cluster.LocalCluster;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network namespaces for the soak's port-swap LBs, one per LB, each joined to the host by a veth
 * pair on its own /30 ({@code 10.213.<n>.1} on the host, {@code .2} inside): the agent's HAProxy
 * listens inside, the agent's port swap edits that namespace's nat table, and the load generator
 * on the host reaches the LB at the inside address, so its connections pass the swapped
 * PREROUTING redirect exactly as on a real LB host. Deleting a namespace removes its veth pair.
 */
final class LbNamespaces implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LbNamespaces.class);
  static final String PREFIX = "zdd-soak-";
  private static final String IP = "/usr/sbin/ip";

  private final String run;
  private final List<LocalCluster.LbNamespace> made = new ArrayList<>();

  LbNamespaces() {
    // Named after this process, so two soaks on one host (even with the same seed) never meet.
    this.run = String.format(Locale.ROOT, "%04x", ProcessHandle.current().pid() & 0xffff);
  }

  /**
   * Makes the namespace of the {@code n}-th port-swap LB (1-based, at most 250); fails when this
   * process may not (it needs root, or CAP_NET_ADMIN and CAP_SYS_ADMIN).
   */
  LocalCluster.LbNamespace make(int n) throws IOException {
    if (n < 1 || n > 250) {
      throw new IllegalArgumentException("port-swap LB " + n + " is outside 1..250");
    }
    String name = PREFIX + run + "-" + n;
    // Interface names are at most 15 characters.
    String host = "zs" + run + n + "h";
    String inside = "zs" + run + n + "n";
    String net = "10.213." + n + ".";
    HostCommands.run(IP, "netns", "add", name);
    LocalCluster.LbNamespace ns = new LocalCluster.LbNamespace(name, net + "2");
    made.add(ns);
    HostCommands.run(IP, "link", "add", host, "type", "veth", "peer", "name", inside);
    HostCommands.run(IP, "link", "set", inside, "netns", name);
    HostCommands.run(IP, "addr", "add", net + "1/30", "dev", host);
    HostCommands.run(IP, "link", "set", host, "up");
    HostCommands.run(IP, "-n", name, "addr", "add", net + "2/30", "dev", inside);
    HostCommands.run(IP, "-n", name, "link", "set", inside, "up");
    HostCommands.run(IP, "-n", name, "link", "set", "lo", "up");
    log.info("port-swap LB {}: namespace {}, reached at {}", n, name, ns.address());
    return ns;
  }

  /** This soak's namespaces the host still has (none once closed). */
  List<String> remaining() throws IOException {
    List<String> listed = HostCommands.output(IP, "netns", "list").lines().map(l -> l.split(" ")[0]).toList();
    return made.stream().map(LocalCluster.LbNamespace::name).filter(listed::contains).toList();
  }

  Optional<LocalCluster.LbNamespace> get(int n) {
    return n >= 1 && n <= made.size() ? Optional.of(made.get(n - 1)) : Optional.empty();
  }

  @Override
  public void close() {
    for (LocalCluster.LbNamespace ns : made) {
      try {
        HostCommands.run(IP, "netns", "del", ns.name());
      } catch (IOException e) {
        log.warn("could not delete network namespace {}: {}", ns.name(), e.getMessage());
      }
    }
  }
}
