package io.zdd.bench.chaos;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * "Nothing left behind on the host": after the soak stops everything, no process runs in or from
 * its work directory (HAProxies, app tasks, coordinators) other than the soak and its ancestors,
 * and no LB address still accepts connections on an app's service port.
 */
final class Leftovers {
  private Leftovers() {}

  static List<String> find(Path work, List<String> lbAddresses, List<SoakApp> apps) throws IOException {
    List<String> found = new ArrayList<>();
    String dir = work.toAbsolutePath().toString();
    // The soak itself and whatever launched it (a shell, Maven, the test fork) may name the work
    // directory on their command lines; they are not left behind.
    Set<Long> self = new HashSet<>();
    for (Optional<ProcessHandle> p = Optional.of(ProcessHandle.current()); p.isPresent(); p = p.get().parent()) {
      self.add(p.get().pid());
    }
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        try {
          String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
          String cwd = Files.readSymbolicLink(p.resolve("cwd")).toString();
          if ((cmdline.contains(dir) || cwd.startsWith(dir)) && !self.contains(Long.parseLong(p.getFileName().toString()))) {
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
