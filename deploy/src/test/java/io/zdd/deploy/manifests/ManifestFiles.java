package io.zdd.deploy.manifests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Where the shipped manifests and the sources they refer to are, seen from the deploy module. */
final class ManifestFiles {
  private static final Pattern METRIC = Pattern.compile("\\bzdd_[a-z0-9_]*[a-z0-9]");
  /** Suffixes Micrometer's Prometheus registry adds to timers (histograms). */
  private static final String[] TIMER_SUFFIXES = {"_bucket", "_count", "_sum", "_max"};

  private ManifestFiles() {}

  /** The deploy module's directory (Maven runs tests there; an IDE may run them from the root). */
  static Path module() {
    Path cwd = Path.of("").toAbsolutePath();
    return Files.isDirectory(cwd.resolve("manifests")) ? cwd : cwd.resolve("deploy");
  }

  static Path manifests() {
    return module().resolve("manifests");
  }

  static Path repository() {
    return module().getParent();
  }

  /** Every {@code zdd_*} metric name mentioned in a PromQL expression. */
  static Set<String> metricNames(String promql) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = METRIC.matcher(promql);
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  /**
   * The whole main Java source text of the coordinator and lb-agent modules, where every meter
   * is registered by its literal name.
   */
  static String meterSources() {
    StringBuilder all = new StringBuilder();
    for (String module : new String[] {"coordinator", "lb-agent"}) {
      try (Stream<Path> files = Files.walk(repository().resolve(module).resolve("src/main/java"))) {
        for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
          all.append(Files.readString(f)).append('\n');
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return all.toString();
  }

  /**
   * Whether the sources register this exported metric: a gauge or counter under exactly this
   * name, a counter under the name without {@code _total}, or a timer under the name without
   * its histogram suffix (the suffixes Micrometer's Prometheus registry adds).
   */
  static boolean registered(String sources, String exported) {
    if (sources.contains("\"" + exported + "\"")) {
      return true;
    }
    if (exported.endsWith("_total")) {
      String base = literal(exported, "_total");
      if (sources.contains("Counter.builder(" + base) || sources.contains("counter(" + base)) {
        return true;
      }
    }
    for (String suffix : TIMER_SUFFIXES) {
      if (exported.endsWith(suffix) && sources.contains("Timer.builder(" + literal(exported, suffix))) {
        return true;
      }
    }
    return false;
  }

  private static String literal(String exported, String suffix) {
    return "\"" + exported.substring(0, exported.length() - suffix.length()) + "\"";
  }
}
