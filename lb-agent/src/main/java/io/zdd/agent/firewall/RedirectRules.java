package io.zdd.agent.firewall;

import io.zdd.common.model.PortRedirect;
import io.zdd.common.model.Validation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fixed templates of the agent's nat rules and the parser of {@code iptables-save -t nat}.
 * Pure functions: only validated integers are ever put into a rule.
 */
final class RedirectRules {
  static final String PREROUTING_CHAIN = "ZDD-PREROUTING";
  static final String OUTPUT_CHAIN = "ZDD-OUTPUT";
  static final List<String> CHAINS = List.of(PREROUTING_CHAIN, OUTPUT_CHAIN);

  /**
   * Only traffic addressed to this host is redirected: without {@code --dst-type LOCAL} a local
   * process connecting to port 80 of another host would be sent to the local HAProxy instead.
   */
  private static final String JUMP_MATCH = "-m addrtype --dst-type LOCAL";
  private static final Pattern REDIRECT = Pattern.compile(
      "-A (ZDD-PREROUTING|ZDD-OUTPUT) -p tcp -m tcp --dport (\\d{1,5}) -j REDIRECT --to-ports (\\d{1,5})");
  private static final Pattern JUMP = Pattern.compile("-A (PREROUTING|OUTPUT) (.*)-j (ZDD-PREROUTING|ZDD-OUTPUT)");

  private RedirectRules() {}

  /** What {@code iptables-save -t nat} showed about the agent's chains. */
  record Observed(List<PortRedirect> redirects, boolean preroutingJump, boolean outputJump,
      List<String> unrecognised) {

    /** True when the kernel already holds exactly {@code desired}, in both chains, with both jumps. */
    boolean matches(SortedMap<Integer, Integer> desired) {
      if (!preroutingJump || !outputJump || !unrecognised.isEmpty()) {
        return false;
      }
      List<PortRedirect> expected = new ArrayList<>();
      desired.forEach((s, t) -> {
        expected.add(new PortRedirect(s, t, PREROUTING_CHAIN));
        expected.add(new PortRedirect(s, t, OUTPUT_CHAIN));
      });
      return sorted(redirects).equals(sorted(expected));
    }

    private static List<PortRedirect> sorted(List<PortRedirect> l) {
      return l.stream()
          .sorted((a, b) -> a.chain().equals(b.chain())
              ? Integer.compare(a.servicePort(), b.servicePort())
              : a.chain().compareTo(b.chain()))
          .toList();
    }
  }

  /**
   * One {@code iptables-restore --noflush} block that rewrites both chains wholly from
   * {@code desired} (service port → target port) and adds the jumps that are missing. The kernel
   * applies it as one transaction: a bad line leaves the previous rules untouched.
   */
  static String batch(SortedMap<Integer, Integer> desired, boolean addPreroutingJump, boolean addOutputJump) {
    StringBuilder b = new StringBuilder("*nat\n");
    // Declaring a chain creates it when missing; -F then empties it whether it was new or not.
    for (String chain : CHAINS) {
      b.append(':').append(chain).append(" - [0:0]\n");
    }
    for (String chain : CHAINS) {
      b.append("-F ").append(chain).append('\n');
    }
    for (String chain : CHAINS) {
      for (Map.Entry<Integer, Integer> e : desired.entrySet()) {
        int service = Validation.port("service_port", e.getKey());
        int target = Validation.port("target_port", e.getValue());
        b.append("-A ").append(chain).append(" -p tcp -m tcp --dport ").append(service)
            .append(" -j REDIRECT --to-ports ").append(target).append('\n');
      }
    }
    // First in the built-in chains, so another tool's catch-all rule cannot shadow the redirect.
    if (addPreroutingJump) {
      b.append("-I PREROUTING 1 ").append(JUMP_MATCH).append(" -j ").append(PREROUTING_CHAIN).append('\n');
    }
    if (addOutputJump) {
      b.append("-I OUTPUT 1 ").append(JUMP_MATCH).append(" -j ").append(OUTPUT_CHAIN).append('\n');
    }
    b.append("COMMIT\n");
    return b.toString();
  }

  private static boolean validPort(String digits) {
    int p = Integer.parseInt(digits);
    return p >= 1 && p <= 65535;
  }

  /** Reads only the agent's chains (and the jumps into them) from {@code iptables-save -t nat}. */
  static Observed parse(String iptablesSave) {
    List<PortRedirect> redirects = new ArrayList<>();
    List<String> unrecognised = new ArrayList<>();
    boolean pre = false;
    boolean out = false;
    for (String raw : iptablesSave.split("\n")) {
      String line = raw.strip();
      Matcher j = JUMP.matcher(line);
      if (j.matches()) {
        pre |= j.group(1).equals("PREROUTING") && j.group(3).equals(PREROUTING_CHAIN);
        out |= j.group(1).equals("OUTPUT") && j.group(3).equals(OUTPUT_CHAIN);
        continue;
      }
      if (!(line.startsWith("-A " + PREROUTING_CHAIN + " ") || line.startsWith("-A " + OUTPUT_CHAIN + " "))) {
        continue;
      }
      Matcher m = REDIRECT.matcher(line);
      if (m.matches() && validPort(m.group(2)) && validPort(m.group(3))) {
        redirects.add(new PortRedirect(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), m.group(1)));
      } else {
        // Someone edited our chain by hand; the next swap rewrites it wholly.
        unrecognised.add(line);
      }
    }
    return new Observed(List.copyOf(redirects), pre, out, List.copyOf(unrecognised));
  }
}
