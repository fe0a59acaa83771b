package io.zdd.agent.firewall;

import io.zdd.common.model.Validation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How to invoke the iptables tools: binary names and an optional network namespace. With a
 * namespace every command is prefixed with {@code ip netns exec <ns>}, which is how tests keep
 * their rules away from the host's own tables.
 *
 * @param prefix argv placed before the tool (empty, or {@code ip netns exec <ns>})
 * @param restoreBinary e.g. {@code iptables-restore} or {@code /usr/sbin/iptables-legacy-restore}
 * @param saveBinary e.g. {@code iptables-save}
 * @param timeout deadline for one tool run
 */
public record IptablesCommands(List<String> prefix, String restoreBinary, String saveBinary, Duration timeout) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** iproute2, by absolute path (the agent runs programs with a fixed, minimal environment). */
  static final String IP = "/usr/sbin/ip";

  public IptablesCommands {
    prefix = List.copyOf(prefix);
    if (restoreBinary == null || restoreBinary.isBlank() || saveBinary == null || saveBinary.isBlank()) {
      throw new IllegalArgumentException("iptables binaries must be named");
    }
  }

  /** The host's default tools, optionally run inside network namespace {@code netns}. */
  public static IptablesCommands of(String restoreBinary, String saveBinary, Optional<String> netns) {
    List<String> prefix = new ArrayList<>();
    netns.ifPresent(ns -> {
      Validation.netns("iptables_netns", ns);
      prefix.addAll(List.of(IP, "netns", "exec", ns));
    });
    return new IptablesCommands(prefix, restoreBinary, saveBinary, DEFAULT_TIMEOUT);
  }

  public static IptablesCommands defaults(Optional<String> netns) {
    return of("/usr/sbin/iptables-restore", "/usr/sbin/iptables-save", netns);
  }

  /** {@code iptables-restore --noflush -w}: applies one table block from stdin, all or nothing. */
  List<String> restore() {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(restoreBinary, "--noflush", "-w"));
    return cmd;
  }

  /** {@code iptables-save -t nat}. */
  List<String> saveNat() {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(saveBinary, "-t", "nat"));
    return cmd;
  }
}
