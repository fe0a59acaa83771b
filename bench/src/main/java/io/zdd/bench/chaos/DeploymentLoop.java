package io.zdd.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs deployments through the real CLI, a few at once on different apps, each app through every
 * kind in turn from a seeded start: blue/green, traffic steps, an instance canary promoted by the operator, and a
 * blue/green the operator aborts part-way; a port-swap app's are a port swap or an aborted port
 * swap. Each is followed until it ends and judged: it must end
 * SUCCEEDED, ROLLED_BACK, or FAILED with a reason, within {@link #STUCK_AFTER}.
 */
final class DeploymentLoop {
  private static final Logger log = LoggerFactory.getLogger(DeploymentLoop.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DEPLOYMENT_ID = Pattern.compile("deployment (\\S+) of group");
  private static final Duration STUCK_AFTER = Duration.ofMinutes(8);
  private static final Duration START_RETRIES = Duration.ofMinutes(3);

  /** What a deployment does. */
  enum Kind {
    BLUE_GREEN(false),
    TRAFFIC_STEPS(false),
    INSTANCE_CANARY(false),
    ABORTED(true),
    PORT_SWAP(false),
    PORT_SWAP_ABORTED(true);

    /** The operator aborts it part-way. */
    final boolean aborted;

    Kind(boolean aborted) {
      this.aborted = aborted;
    }
  }

  private static final List<Kind> WEIGHTS_KINDS = List.of(Kind.BLUE_GREEN, Kind.TRAFFIC_STEPS, Kind.INSTANCE_CANARY,
      Kind.ABORTED);
  private static final List<Kind> SWAP_KINDS = List.of(Kind.PORT_SWAP, Kind.PORT_SWAP_ABORTED);

  private final SoakCluster soak;
  private final List<SoakApp> apps;
  private final Journal journal;
  private final Random random;
  private final int maxInFlight;
  private final Path definitions;
  private final Map<String, Integer> versions = new HashMap<>();
  private final Map<String, Integer> firstKind = new HashMap<>();
  private final Set<String> busy = ConcurrentHashMap.newKeySet();
  private final ExecutorService drivers = Executors.newCachedThreadPool();

  DeploymentLoop(SoakCluster soak, List<SoakApp> apps, Journal journal, Random random, int maxInFlight,
      Path definitions) {
    this.soak = soak;
    this.apps = List.copyOf(apps);
    this.journal = journal;
    this.random = random;
    this.maxInFlight = maxInFlight;
    this.definitions = definitions;
  }

  /** Deploys version 1 of every app, one after another; each must succeed (nothing is injected yet). */
  void deployFirstVersions() throws Exception {
    for (SoakApp app : apps) {
      versions.put(app.name(), 1);
      drive(app, app.portSwap() ? Kind.PORT_SWAP : Kind.BLUE_GREEN, 1, Duration.ZERO);
    }
    List<Journal.Finished> first = journal.deployments();
    if (first.stream().anyMatch(f -> !f.outcome().equals("SUCCEEDED"))) {
      throw new IllegalStateException("first versions did not all succeed: " + first);
    }
  }

  /** Starts deployments until {@code until}, then waits for those running to end. */
  void run(Instant until) throws InterruptedException {
    while (Instant.now().isBefore(until)) {
      if (busy.size() < maxInFlight) {
        // The least-deployed idle apps first (a random one of them), so a short run still
        // deploys every app, port-swap ones included, more than once.
        List<SoakApp> idle = apps.stream().filter(a -> !busy.contains(a.name())).toList();
        int fewest = idle.stream().mapToInt(a -> versions.get(a.name())).min().orElseThrow();
        List<SoakApp> next = idle.stream().filter(a -> versions.get(a.name()) == fewest).toList();
        SoakApp app = next.get(random.nextInt(next.size()));
        // Each app goes through its kinds in turn from a seeded start, so even a short run
        // deploys every kind (a port swap and an aborted one included).
        List<Kind> kinds = app.portSwap() ? SWAP_KINDS : WEIGHTS_KINDS;
        int version = versions.merge(app.name(), 1, Integer::sum);
        int start = firstKind.computeIfAbsent(app.name(), a -> random.nextInt(kinds.size()));
        Kind kind = kinds.get((start + version) % kinds.size());
        Duration abortAfter = Duration.ofMillis(1000 + random.nextInt(9000));
        busy.add(app.name());
        drivers.execute(() -> {
          try {
            drive(app, kind, version, abortAfter);
          } catch (Exception e) {
            journal.violation(Invariant.DEPLOYMENTS_END, "driving " + app.name() + " v" + version + " failed: " + e);
          } finally {
            busy.remove(app.name());
          }
        });
      }
      TimeUnit.MILLISECONDS.sleep(500 + random.nextInt(2000));
    }
    drivers.shutdown();
    if (!drivers.awaitTermination(STUCK_AFTER.toMinutes() + 2, TimeUnit.MINUTES)) {
      journal.violation(Invariant.DEPLOYMENTS_END,
          "deployments still being driven " + (STUCK_AFTER.toMinutes() + 2) + " min after the loop ended");
      drivers.shutdownNow();
    }
  }

  private void drive(SoakApp app, Kind kind, int version, Duration abortAfter) throws Exception {
    Path file = app.write(definitions, "v" + version);
    // An aborted deployment moves slower, so the abort finds it part-way more often.
    List<String> args = new ArrayList<>(List.of("deploy", file.toString(), "--detach", "--force",
        "--step-delay", kind.aborted ? "3s" : "1s", "--max-wait", "60s", "--health-timeout", "3m",
        "--pending-metric", "zdd_demo_pending_operations"));
    args.addAll(app.swapFlags());
    switch (kind) {
      case TRAFFIC_STEPS -> args.addAll(List.of("--traffic", "25,50,100", "--step-pause", "2s"));
      case INSTANCE_CANARY -> args.addAll(List.of("--new-instances", "1"));
      default -> { }
    }
    Instant started = Instant.now();
    String id = start(app, args);
    Journal.Window aborting = null;
    Instant controlAt = started.plus(kind.aborted ? abortAfter : Duration.ofSeconds(3));
    boolean controlled = !kind.aborted && kind != Kind.INSTANCE_CANARY;
    JsonNode status = null;
    while (Duration.between(started, Instant.now()).compareTo(STUCK_AFTER) < 0) {
      Optional<JsonNode> s = status(id);
      if (s.isPresent()) {
        status = s.get();
        if (!status.path("outcome").asText().equals("OUTCOME_UNSPECIFIED")) {
          break;
        }
      }
      if (!controlled && Instant.now().isAfter(controlAt)) {
        if (kind.aborted && aborting == null) {
          aborting = journal.aborting(app.name());
        }
        SoakCluster.CliRun r = soak.cli(kind.aborted ? "abort" : "promote", id);
        controlled = r.exit() == 0;
        controlAt = Instant.now().plusSeconds(2);
      }
      TimeUnit.SECONDS.sleep(1);
    }
    if (aborting != null) {
      aborting.close();
    }
    Duration took = Duration.between(started, Instant.now());
    String outcome = status == null ? "UNKNOWN" : status.path("outcome").asText();
    String message = status == null ? "" : status.path("message").asText();
    if (outcome.equals("OUTCOME_UNSPECIFIED") || outcome.equals("UNKNOWN")) {
      journal.violation(Invariant.DEPLOYMENTS_END, "deployment " + id + " of " + app.name() + " (" + kind + ") still " + outcome + " after "
          + STUCK_AFTER.toMinutes() + " min: " + message);
      outcome = "STUCK";
    } else if (outcome.equals("FAILED") && message.isBlank()) {
      journal.violation(Invariant.DEPLOYMENTS_END, "deployment " + id + " of " + app.name() + " FAILED without a reason");
    }
    journal.finished(new Journal.Finished(app.name(), kind, id, outcome, message, took));
  }

  /** Starts the deployment, retrying while no coordinator can take it (a leader change in progress). */
  private String start(SoakApp app, List<String> args) throws Exception {
    Instant giveUp = Instant.now().plus(START_RETRIES);
    String last = "";
    while (Instant.now().isBefore(giveUp)) {
      SoakCluster.CliRun r = soak.cli(args.toArray(String[]::new));
      Matcher m = DEPLOYMENT_ID.matcher(r.out());
      if (r.exit() == 0 && m.find()) {
        return m.group(1);
      }
      last = "exit " + r.exit() + ": " + (r.err().strip() + " " + r.out().strip()).lines().findFirst().orElse("");
      if (r.exit() == 2 || r.exit() == 9) {
        throw new IOException("zdd refused the deployment of " + app.name() + ": " + last);
      }
      // The call may have reached the leader before the answer was lost: adopt what is running.
      Optional<String> running = runningOf(app);
      if (running.isPresent()) {
        return running.get();
      }
      log.info("deploy of {} not started yet ({}); retrying", app.name(), last);
      TimeUnit.SECONDS.sleep(2);
    }
    throw new IOException("could not start a deployment of " + app.name() + " within " + START_RETRIES + ": " + last);
  }

  private Optional<String> runningOf(SoakApp app) {
    SoakCluster.CliRun r = soak.cli("list", "--json");
    if (r.exit() != 0) {
      return Optional.empty();
    }
    return r.out().lines().filter(l -> l.startsWith("{")).map(DeploymentLoop::parse).flatMap(Optional::stream)
        .filter(d -> d.path("group").asText().equals(app.name())).map(d -> d.path("id").asText()).findFirst();
  }

  private Optional<JsonNode> status(String id) {
    SoakCluster.CliRun r = soak.cli("status", id, "--json");
    return r.exit() == 0 ? parse(r.out().strip()) : Optional.empty();
  }

  private static Optional<JsonNode> parse(String line) {
    try {
      return Optional.of(JSON.readTree(line));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
