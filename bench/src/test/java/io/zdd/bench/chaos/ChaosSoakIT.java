package io.zdd.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short chaos soak: the whole cluster (3 ZooKeeper servers, 3 coordinators in their own JVMs,
 * 5 lb-agents with real HAProxies in 3 Marathon-LB groups, 6 apps, and 2 port-swap lb-agents each
 * in its own network namespace serving 1 port-swap app), load through every LB,
 * deployments of every kind and one round of every fault, with a fixed seed. Every invariant
 * must hold; the report is kept as {@code target/chaos-soak-short.md}. The 30-minute run is a
 * benchmark ({@code bench/README.md}).
 */
class ChaosSoakIT {
  private static final long SEED = 20261204L;

  @TempDir Path work;

  @Test
  void everyInvariantHoldsThroughOneRoundOfEveryFault() throws Exception {
    ChaosSoak.Settings s = new ChaosSoak.Settings(Duration.ofSeconds(150), SEED, 5, 3, 6, 2, 1, 3, 2, 10,
        Duration.ofSeconds(6), Duration.ofSeconds(10), Duration.ofSeconds(6), work);
    ChaosSoak.Result r = ChaosSoak.run(s);
    Files.writeString(Path.of("target", "chaos-soak-short.md"), r.report());
    assertThat(r.violations()).as(r.report()).isEmpty();
    for (Fault f : Fault.values()) {
      assertThat(r.report()).as("injected at least once: " + f).containsPattern(
          "\\| " + Pattern.quote(f.description) + " \\| [1-9]\\d* \\|");
    }
    // Port swaps beyond the first deployment (which only brings green's frontend up), under load.
    assertThat(r.report()).as(r.report()).containsPattern("\\| PORT_SWAP \\| \\{[^}]*SUCCEEDED=([2-9]|\\d\\d)");
  }
}
