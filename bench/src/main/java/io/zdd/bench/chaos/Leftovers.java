package io.zdd.bench.chaos;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * "Nothing left behind on the host": after the soak stops everything, no process runs in or from
 * its work directory (HAProxies, app tasks, coordinators) and no LB address still accepts
 * connections on an app's service port.
 */
final class Leftovers {
  private Leftovers() {}

  static List<String> find(Path work, List<String> lbAddresses, List<SoakApp> apps) throws IOException {
    List<String> found = new ArrayList<>();
    String dir = work.toAbsolutePath().toString();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        try {
          String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
          String cwd = Files.readSymbolicLink(p.resolve("cwd")).toString();
          if ((cmdline.contains(dir) || cwd.startsWith(dir)) && Long.parseLong(p.getFileName().toString())
              != ProcessHandle.current().pid()) {
            found.add("pid " + p.getFileName() + ": " + cmdline.strip());
          }
        } catch (IOException e) {
          // the process ended while we looked
        }
      }
    }
    for (String lb : lbAddresses) {
      for (SoakApp app : apps) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(lb, app.servicePort()), 500);
          found.add(lb + ":" + app.servicePort() + " still accepts connections");
        } catch (IOException refused) {
          // nothing listens: as it should be
        }
      }
    }
    return found;
  }
}
