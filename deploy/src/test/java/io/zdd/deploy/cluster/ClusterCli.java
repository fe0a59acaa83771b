package io.zdd.deploy.cluster;

import static org.awaitility.Awaitility.await;

import io.zdd.coordinator.cli.ZddCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The zdd CLI, in-process, as the local cluster's operator against any of its coordinators. */
record ClusterCli(int exit, String out, String err) {
  /** Starts {@code cluster} and waits until it has a leader and the leader sees every agent connected. */
  static LocalCluster started(LocalCluster cluster, int agents) throws Exception {
    cluster.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leader().isPresent());
    await().atMost(Duration.ofSeconds(30)).until(() -> run(cluster, "agents").out().split("connected", -1).length - 1 == agents);
    return cluster;
  }

  static ClusterCli run(LocalCluster cluster, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(cluster.operatorFlags());
    all.addAll(List.of("--coordinator", cluster.anyCoordinator(), "--timeout", "30s"));
    all.addAll(List.of(args));
    int code = ZddCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    return new ClusterCli(code, out.toString(), err.toString());
  }
}
