package io.zdd.deploy.report;

import io.zdd.common.error.InvalidInputException;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What happened during one demo run, as the report shows it: a sample per second of the load and
 * of what the LBs saw, the phases of each deployment, and the summary numbers. Built by the demo
 * runner, written as JSON beside the report ({@link TimelineJson}) and rendered by
 * {@link ReportWriter}. Maps keep their insertion order, which is the order of legends and stacks.
 *
 * @param title what the run was, shown as the page heading
 * @param startedAt wall-clock start; every {@code t} is seconds after it
 * @param samples one per second (or per sampling interval), in time order
 * @param markers phase changes of the deployments, in time order
 * @param deployments one summary per deployment, in the order they ran
 * @param totals the load generator's totals over the whole run
 * @param analysis canary analysis measurements and decisions, in time order
 */
public record DemoTimeline(
    String title,
    Instant startedAt,
    List<Sample> samples,
    List<PhaseMarker> markers,
    List<DeploymentSummary> deployments,
    Totals totals,
    List<AnalysisEntry> analysis) {

  /** A run without canary analysis. */
  public DemoTimeline(String title, Instant startedAt, List<Sample> samples, List<PhaseMarker> markers,
      List<DeploymentSummary> deployments, Totals totals) {
    this(title, startedAt, samples, markers, deployments, totals, List.of());
  }

  public DemoTimeline {
    analysis = List.copyOf(Objects.requireNonNull(analysis, "analysis"));
    if (title == null || title.isBlank()) {
      throw new InvalidInputException("title", "must not be empty");
    }
    Objects.requireNonNull(startedAt, "startedAt");
    samples = List.copyOf(Objects.requireNonNull(samples, "samples"));
    markers = List.copyOf(Objects.requireNonNull(markers, "markers"));
    deployments = List.copyOf(Objects.requireNonNull(deployments, "deployments"));
    Objects.requireNonNull(totals, "totals");
    for (int i = 1; i < samples.size(); i++) {
      if (samples.get(i).t() <= samples.get(i - 1).t()) {
        throw new InvalidInputException("samples[" + i + "].t", "must be after the previous sample's t ("
            + samples.get(i - 1).t() + "), got " + samples.get(i).t());
      }
    }
    for (int i = 1; i < markers.size(); i++) {
      if (markers.get(i).t() < markers.get(i - 1).t()) {
        throw new InvalidInputException("markers[" + i + "].t", "must not be before the previous marker's t");
      }
    }
  }

  /** Seconds from the start to the last sample or marker (0 for an empty run). */
  public double durationSeconds() {
    double end = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).t();
    return markers.isEmpty() ? end : Math.max(end, markers.get(markers.size() - 1).t());
  }

  /**
   * One sampling interval, ending at {@code t}.
   *
   * @param t seconds since the start of the run
   * @param requestsOk requests that succeeded during the interval ending at t
   * @param requestsFailed requests that failed during that interval
   * @param trafficShare percent of new traffic per role ({@code blue} = live, {@code green} = new), summing to about 100
   * @param connections LB (agent id) → server name → connections the LB held to it at t
   */
  public record Sample(
      double t, long requestsOk, long requestsFailed, Map<String, Double> trafficShare,
      Map<String, Map<String, Long>> connections) {

    public Sample {
      nonNegative("t", t);
      if (requestsOk < 0 || requestsFailed < 0) {
        throw new InvalidInputException("requests", "counts must not be negative, got " + requestsOk + "/" + requestsFailed);
      }
      trafficShare = ordered(Objects.requireNonNull(trafficShare, "trafficShare"));
      trafficShare.forEach((colour, pct) -> {
        if (pct == null || pct < 0 || pct > 100.0001) {
          throw new InvalidInputException("traffic_share." + colour, "must be a percentage 0..100, got " + pct);
        }
      });
      Map<String, Map<String, Long>> lbs = new LinkedHashMap<>();
      Objects.requireNonNull(connections, "connections").forEach((lb, servers) -> {
        servers.forEach((server, n) -> {
          if (n == null || n < 0) {
            throw new InvalidInputException("connections." + lb + "." + server, "must be a count >= 0, got " + n);
          }
        });
        lbs.put(lb, ordered(servers));
      });
      connections = Collections.unmodifiableMap(lbs);
    }
  }

  /**
   * A deployment entered a phase at t.
   *
   * @param deployment the deployment's display name (e.g. {@code v2 blue/green})
   * @param phase the phase it entered (e.g. {@code SHIFT_TRAFFIC})
   */
  public record PhaseMarker(double t, String deployment, String phase) {
    public PhaseMarker {
      nonNegative("markers.t", t);
      notBlank("markers.deployment", deployment);
      notBlank("markers.phase", phase);
    }
  }

  /**
   * How one deployment ended.
   *
   * @param name display name, the same as its markers' {@code deployment}
   * @param outcome {@code succeeded}, {@code rolled_back}, {@code failed}, ...
   * @param durationS seconds from start to end
   * @param drainS LB (agent id) → seconds its old servers took to drain
   */
  public record DeploymentSummary(String name, String outcome, double durationS, Map<String, Double> drainS,
      String expected) {
    /** A deployment expected to succeed. */
    public DeploymentSummary(String name, String outcome, double durationS, Map<String, Double> drainS) {
      this(name, outcome, durationS, drainS, "succeeded");
    }

    public DeploymentSummary {
      notBlank("deployments.expected", expected);
      notBlank("deployments.name", name);
      notBlank("deployments.outcome", outcome);
      nonNegative("deployments.duration_s", durationS);
      drainS = ordered(Objects.requireNonNull(drainS, "drainS"));
      drainS.forEach((lb, s) -> nonNegative("deployments.drain_s." + lb, s == null ? -1 : s));
    }

    public boolean succeeded() {
      return outcome.equalsIgnoreCase("succeeded");
    }

    /** Ended as the demo meant it to (a bad canary is meant to be rolled back). */
    public boolean asExpected() {
      return outcome.equalsIgnoreCase(expected);
    }
  }

  /**
   * One canary analysis event.
   *
   * @param t seconds since the start
   * @param deployment the deployment's display name
   * @param message the measurement or decision, in words
   * @param checks each check's result ("fail 5xx-ratio: green 5xx_ratio 20.00% > max 1.00% ...")
   */
  public record AnalysisEntry(double t, String deployment, String message, List<String> checks) {
    public AnalysisEntry {
      nonNegative("analysis.t", t);
      notBlank("analysis.deployment", deployment);
      checks = List.copyOf(checks);
    }
  }

  /**
   * The load generator's totals.
   *
   * @param canaryFailures of the failed requests, those a deliberately bad canary answered itself
   *     (before zdd rolled it back)
   */
  public record Totals(long requests, long failedRequests, double requestsPerS, long canaryFailures) {
    public Totals(long requests, long failedRequests, double requestsPerS) {
      this(requests, failedRequests, requestsPerS, 0);
    }

    /** Failed requests no bad canary answered: what zdd itself must keep at zero. */
    public long otherFailures() {
      return failedRequests - canaryFailures;
    }

    public Totals {
      if (canaryFailures < 0 || canaryFailures > failedRequests) {
        throw new InvalidInputException("totals.canary_failures", "need 0 <= canary_failures <= failed_requests, got "
            + canaryFailures + " of " + failedRequests);
      }
      if (requests < 0 || failedRequests < 0 || failedRequests > requests) {
        throw new InvalidInputException("totals", "need 0 <= failed_requests <= requests, got "
            + failedRequests + " of " + requests);
      }
      nonNegative("totals.requests_per_s", requestsPerS);
    }
  }

  private static void nonNegative(String field, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new InvalidInputException(field, "must be a finite number >= 0, got " + v);
    }
  }

  private static void notBlank(String field, String v) {
    if (v == null || v.isBlank()) {
      throw new InvalidInputException(field, "must not be empty");
    }
  }

  private static <V> Map<String, V> ordered(Map<String, V> map) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }
}
