package io.zdd.deploy.demo;

import io.zdd.deploy.cluster.FreePorts;
import io.zdd.deploy.cluster.LocalCluster;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs a real Prometheus (Debian's package) scraping every coordinator and agent of the demo. */
final class PrometheusRunner {
  private PrometheusRunner() {}

  static Process start(Path workDir, LocalCluster cluster, PrintWriter out) throws Exception {
    Path bin = Path.of("/usr/bin/prometheus");
    if (!Files.isExecutable(bin)) {
      throw new IllegalStateException("--prometheus needs the Debian package: apt-get install -y prometheus");
    }
    List<String> coordinators = new ArrayList<>();
    cluster.coordinators().forEach(s -> coordinators.add("'127.0.0.1:" + s.metricsPort() + "'"));
    List<String> agents = new ArrayList<>();
    cluster.agentMetricsPorts().forEach(p -> agents.add("'127.0.0.1:" + p + "'"));
    Path config = workDir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 2s",
        "scrape_configs:",
        "  - job_name: zdd-coordinator",
        "    static_configs:",
        "      - targets: [" + String.join(", ", coordinators) + "]",
        "  - job_name: zdd-agent",
        "    static_configs:",
        "      - targets: [" + String.join(", ", agents) + "]",
        ""));
    int port = FreePorts.next();
    Process p = new ProcessBuilder(bin.toString(), "--config.file=" + config,
        "--storage.tsdb.path=" + workDir.resolve("prometheus-data"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true)
        .redirectOutput(workDir.resolve("prometheus.log").toFile())
        .start();
    out.printf("Prometheus: http://127.0.0.1:%d/graph?g0.expr=zdd_drain_progress_ratio (log %s)%n", port,
        workDir.resolve("prometheus.log"));
    return p;
  }
}
