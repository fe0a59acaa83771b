package io.zdd.deploy.ha;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.cli.ZddCli;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.deploy.cluster.DemoAppDefinition;
import io.zdd.deploy.cluster.LocalCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

/**
 * Test support for the HA acceptance tests: a {@link LocalCluster} running on Curator's
 * {@link TestingCluster} of three real ZooKeeper servers, the real CLI, and every coordinator
 * instance ever started (a stopped coordinator's in-memory event log stays readable, so the
 * tests can see what the old leader did before it died).
 */
final class HaCluster implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DEPLOYMENT_ID = Pattern.compile("deployment (\\S+) of group");

  final TestingCluster zk;
  final LocalCluster cluster;
  final Path work;
  /** Every coordinator instance started so far, in start order (stopped ones included). */
  final List<Coordinator> everyCoordinator = new CopyOnWriteArrayList<>();

  record CliRun(int exit, String out, String err) {}

  private HaCluster(TestingCluster zk, LocalCluster cluster, Path work) {
    this.zk = zk;
    this.cluster = cluster;
    this.work = work;
  }

  /** Starts 3 ZooKeeper servers, then the local cluster on them, and waits for a leader and every agent. */
  static HaCluster start(Path work, int agents, int coordinators, Duration sessionTimeout) throws Exception {
    return start(work, agents, coordinators, sessionTimeout, i -> List.of("external"));
  }

  /** As above, agent {@code i} (1-based) started for the Marathon-LB groups {@code lbGroups(i)}. */
  static HaCluster start(Path work, int agents, int coordinators, Duration sessionTimeout,
      IntFunction<List<String>> lbGroups) throws Exception {
    // Explicit loopback specs: each server has its own data dir and fixed ports for restarts.
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      specs.add(new InstanceSpec(Files.createDirectories(work.resolve("zk-" + i)).toFile(), -1, -1, -1, false, i + 1,
          2000, 60, null, "127.0.0.1"));
    }
    TestingCluster zk = new TestingCluster(specs);
    zk.start();
    LocalCluster cluster = new LocalCluster(new LocalCluster.Options(agents, coordinators, work.resolve("cluster"),
        sessionTimeout, false, lbGroups), Optional.of(zk.getConnectString()));
    HaCluster ha = new HaCluster(zk, cluster, work);
    try {
      cluster.start();
      cluster.coordinators().forEach(s -> s.coordinator().ifPresent(ha.everyCoordinator::add));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(40)).until(() -> cluster.leader().isPresent());
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(40))
          .until(() -> ha.cli("agents").out().split("connected", -1).length - 1 >= agents);
    } catch (Exception | Error e) {
      ha.close();
      throw e;
    }
    return ha;
  }

  Coordinator leader() {
    return cluster.leader().orElseThrow().coordinator().orElseThrow();
  }

  /** Restarts a stopped slot's coordinator and remembers the new instance. */
  void restart(LocalCluster.CoordinatorSlot slot) throws Exception {
    cluster.startCoordinator(slot);
    everyCoordinator.add(slot.coordinator().orElseThrow());
  }

  Optional<LocalCluster.CoordinatorSlot> slotOf(Coordinator c) {
    return cluster.coordinators().stream().filter(s -> s.coordinator().orElse(null) == c).findFirst();
  }

  /** The CLI against any running coordinator (standbys answer reads and point writes at the leader). */
  CliRun cli(String... args) {
    String target = cluster.coordinators().stream().filter(s -> s.coordinator().isPresent())
        .map(LocalCluster.CoordinatorSlot::address).findFirst().orElseThrow();
    return cliAt(target, args);
  }

  CliRun cliAt(String coordinator, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(cluster.operatorFlags());
    all.addAll(List.of("--coordinator", coordinator, "--timeout", "30s"));
    all.addAll(List.of(args));
    int code = ZddCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    return new CliRun(code, out.toString(), err.toString());
  }

  static String deploymentId(CliRun run) {
    Matcher m = DEPLOYMENT_ID.matcher(run.out());
    if (!m.find()) {
      throw new AssertionError("no deployment id in: " + run.out() + run.err());
    }
    return m.group(1);
  }

  /** The deployment as {@code zdd status ID --json} shows it (via any coordinator). */
  JsonNode status(String id) throws Exception {
    CliRun r = cli("status", id, "--json");
    if (r.exit() != 0) {
      throw new AssertionError("zdd status " + id + " -> " + r.exit() + ": " + r.err());
    }
    return JSON.readTree(r.out().trim());
  }

  Path app(String group, int servicePort, String version, int instances) throws Exception {
    return app(group, servicePort, version, instances, "external");
  }

  /** The demo app as deployment group {@code group}, exposed on Marathon-LB group {@code lbGroup}. */
  Path app(String group, int servicePort, String version, int instances, String lbGroup) throws Exception {
    Path f = work.resolve(group + "-" + version + ".json");
    com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
        DemoAppDefinition.json(group, servicePort, servicePort + 1, version, instances, 100,
            System.getProperty("java.class.path")));
    ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("labels")).put("HAPROXY_GROUP", lbGroup);
    Files.writeString(f, json.toString());
    return f;
  }

  /** Every event of the deployment, from every coordinator instance that drove any part of it. */
  List<DeploymentEvent> eventsOf(String deploymentId) {
    List<DeploymentEvent> all = new ArrayList<>();
    for (Coordinator c : everyCoordinator) {
      all.addAll(c.events().events(deploymentId));
    }
    return all;
  }

  /** Ids of the group's active tasks (staging, running or being killed) in the local Marathon. */
  Set<String> activeTaskIds(String group) {
    JsonNode tasks = cluster.marathon().listTasks(Set.of("staging", "running", "killing")).path("tasks");
    Set<String> ids = new TreeSet<>();
    for (JsonNode t : tasks) {
      String app = t.path("appId").asText();
      if (app.equals("/" + group) || app.startsWith("/" + group + "-")) {
        ids.add(t.path("id").asText());
      }
    }
    return ids;
  }

  @Override
  public void close() {
    cluster.close();
    try {
      zk.close();
    } catch (Exception e) {
      // already stopped servers throw on close; nothing else to release
    }
  }

  /**
   * The coordinator's own ZooKeeper client. Coordinator does not expose it (nothing in main code
   * needs to), so tests reach it by reflection to expire, or find the server of, exactly that
   * process's session.
   */
  static org.apache.curator.framework.CuratorFramework zookeeperOf(io.zdd.coordinator.Coordinator c) throws Exception {
    Field f = io.zdd.coordinator.Coordinator.class.getDeclaredField("curator");
    f.setAccessible(true);
    return (org.apache.curator.framework.CuratorFramework) f.get(c);
  }
}
