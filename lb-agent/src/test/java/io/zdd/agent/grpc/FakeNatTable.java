package io.zdd.agent.grpc;

import io.zdd.agent.exec.CommandRunner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Stands in for iptables ONLY in tests of the gRPC edge: it applies the lines of an
 * {@code iptables-restore} block to an in-memory nat table and prints it as
 * {@code iptables-save -t nat} would. PortSwapperNetnsIT checks the real kernel.
 */
final class FakeNatTable implements CommandRunner {
  private final List<String> rules = new ArrayList<>();
  int restores;

  @Override
  public synchronized Result run(List<String> command, byte[] stdin, Duration timeout) {
    if (command.stream().anyMatch(c -> c.endsWith("iptables-save"))) {
      StringBuilder b = new StringBuilder("*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
      rules.forEach(r -> b.append(r).append('\n'));
      return new Result(command, 0, b.append("COMMIT\n").toString(), "");
    }
    restores++;
    for (String line : new String(stdin, StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("-F ")) {
        String chain = line.substring(3);
        rules.removeIf(r -> r.startsWith("-A " + chain + " "));
      } else if (line.startsWith("-A ")) {
        rules.add(line);
      } else if (line.startsWith("-I ")) {
        String[] p = line.split(" ", 4); // -I CHAIN 1 rest
        rules.add(0, "-A " + p[1] + " " + p[3]);
      }
    }
    return new Result(command, 0, "", "");
  }
}
