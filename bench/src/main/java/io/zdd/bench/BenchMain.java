package io.zdd.bench;

import io.zdd.bench.fleet.FleetBench;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code bin/zdd bench <name> [options]}: one entry point for the benchmarks, each its own main.
 * A new benchmark is one more line in {@link #BENCHES}.
 */
public final class BenchMain {
  private record Bench(String summary, Consumer<String[]> main) {}

  private static final Map<String, Bench> BENCHES = new LinkedHashMap<>();

  static {
    BENCHES.put("fleet", new Bench("one coordinator's fleet layer driving N lb-agents (1, 10, 100, 500): traffic-step "
        + "latency to every read-back, CPU and memory; agents beyond --real-haproxy use a runtime-API stand-in",
        FleetBench::main));
    BENCHES.put("apply", new Bench("ApplyBackends latency of one agent and its real HAProxy: weight-only changes vs "
        + "changes that need a reload", ApplyLatencyBench::main));
    BENCHES.put("idle", new Bench("CPU and threads of one idle agent (its own JVM) and its HAProxy under a "
        + "coordinator-like connection stream, old vs new sampling and reload detection", IdleCostBench::main));
  }

  private BenchMain() {}

  public static void main(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.println(usage());
      System.exit(args.length == 0 ? 2 : 0);
    }
    Bench b = BENCHES.get(args[0]);
    if (b == null) {
      System.err.println("bench: no benchmark named '" + args[0] + "'\n\n" + usage());
      System.exit(2);
    }
    b.main().accept(Arrays.copyOfRange(args, 1, args.length));
  }

  static String usage() {
    StringBuilder s = new StringBuilder("usage: bin/zdd bench <name> [options]   (bin/zdd bench <name> --help for the "
        + "options; run as root)\n\nbenchmarks:\n");
    BENCHES.forEach((name, b) -> s.append(String.format(Locale.ROOT, "  %-7s %s%n", name, b.summary())));
    return s.toString().stripTrailing();
  }
}
