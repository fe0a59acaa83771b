package io.zdd.agent.firewall;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * Whether this process holds CAP_NET_ADMIN, read from the {@code CapEff} line of
 * {@code /proc/self/status} (bit 12). Changing nat rules needs it; without it the agent still
 * runs, only SwapPort is refused.
 */
public final class NetAdminCapability implements BooleanSupplier {
  static final int CAP_NET_ADMIN = 12;
  private final Path statusFile;

  public NetAdminCapability(Path statusFile) {
    this.statusFile = statusFile;
  }

  public static NetAdminCapability ofThisProcess() {
    return new NetAdminCapability(Path.of("/proc/self/status"));
  }

  @Override
  public boolean getAsBoolean() {
    try {
      for (String line : Files.readAllLines(statusFile)) {
        if (line.startsWith("CapEff:")) {
          return new BigInteger(line.substring("CapEff:".length()).trim(), 16).testBit(CAP_NET_ADMIN);
        }
      }
      return false;
    } catch (IOException | NumberFormatException e) {
      // No /proc (not Linux) or an unexpected format: let iptables itself decide, it reports
      // "Permission denied" which PortSwapper also turns into the same precondition failure.
      return true;
    }
  }
}
