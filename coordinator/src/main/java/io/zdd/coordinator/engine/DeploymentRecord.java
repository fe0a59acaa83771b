package io.zdd.coordinator.engine;

import io.zdd.common.model.Colour;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.analysis.AnalysisState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The persisted state of one deployment. Saved before every action (persist-before-act), so a new
 * leader can rebuild a {@link Deployment} from it after re-reading Marathon and the fleet.
 *
 * <p>Fields that only change together, and only for one part of the machine, are kept in parts:
 * {@link DrainState} (the drain waited on now), {@link TrafficState} (how far traffic has moved
 * to green) and {@link RollbackState} (a rollback's step and reason). A part is replaced whole, by
 * the helpers on it, so its fields cannot drift apart. The stored form stays flat (see
 * {@link DeploymentRecordCodec}).
 *
 * @param id deployment id (UUID)
 * @param group HAPROXY_DEPLOYMENT_GROUP
 * @param epoch leader epoch driving it
 * @param options options, with the pending-metric labels already resolved
 * @param phase current phase (saved before the phase acts)
 * @param outcome RUNNING until DONE
 * @param message human-readable status or reason
 * @param finishedAt null while running
 * @param blueAppId app being replaced; empty on a first deployment
 * @param greenAppId the new app
 * @param greenAppJson the prepared green definition (kept so a resume posts the same one)
 * @param servicePort public port (HAPROXY_0_PORT)
 * @param targetInstances instances green ends with
 * @param goalInstances instances green grows to now (the canary size while holding)
 * @param blueTargetInstances blue's count at the start (a rollback restores it)
 * @param greenCreated POST /v2/apps done (or green already existed)
 * @param backendVersion version of the last backend set sent
 * @param backendFingerprint content of that set, to send a new version only on change
 * @param admittedTaskIds tasks confirmed UP on every LB (may get traffic)
 * @param retiredTaskIds blue tasks set to DRAIN at weight 0
 * @param drain the drain being waited on now ({@link DrainState#NONE} when none)
 * @param killingTaskIds saved before the kill call
 * @param killedTaskIds every task this deployment killed
 * @param plannedGreenInstances green's next size, saved before the scale call; 0 for none
 * @param traffic how far new traffic has moved to green
 * @param healthDeadline green must serve everywhere by then; null when not waiting
 * @param keepPreviousUntil end of the keep-previous window; null outside it
 * @param paused held by pause
 * @param rollback the rollback's step and reason ({@link RollbackState#NONE} unless rolling back)
 * @param audit operators' actions on it, oldest first ("&lt;time&gt; &lt;who&gt; &lt;what&gt;"), the last {@value #AUDIT_LIMIT}
 * @param controls operators' requests not applied yet (written by controls, applied by ticks)
 * @param analysis the analysis of the current traffic step ({@link AnalysisState#NONE} when none)
 */
public record DeploymentRecord(
    String id,
    GroupName group,
    long epoch,
    DeploymentOptions options,
    Phase phase,
    Outcome outcome,
    String message,
    Instant startedAt,
    Instant finishedAt,
    Instant phaseStartedAt,
    String blueAppId,
    String greenAppId,
    Colour greenColour,
    String greenAppJson,
    int servicePort,
    int targetInstances,
    int goalInstances,
    int blueTargetInstances,
    boolean greenCreated,
    long backendVersion,
    String backendFingerprint,
    List<String> admittedTaskIds,
    List<String> retiredTaskIds,
    DrainState drain,
    List<String> killingTaskIds,
    List<String> killedTaskIds,
    int plannedGreenInstances,
    TrafficState traffic,
    Instant healthDeadline,
    Instant keepPreviousUntil,
    boolean paused,
    RollbackState rollback,
    List<String> audit,
    Controls controls,
    AnalysisState analysis) {
  /** Audit entries kept in the record (the log has every one). */
  public static final int AUDIT_LIMIT = 50;

  public DeploymentRecord {
    id = id == null ? "" : id;
    message = message == null ? "" : message;
    blueAppId = blueAppId == null ? "" : blueAppId;
    greenAppId = greenAppId == null ? "" : greenAppId;
    greenAppJson = greenAppJson == null ? "" : greenAppJson;
    backendFingerprint = backendFingerprint == null ? "" : backendFingerprint;
    admittedTaskIds = admittedTaskIds == null ? List.of() : List.copyOf(admittedTaskIds);
    retiredTaskIds = retiredTaskIds == null ? List.of() : List.copyOf(retiredTaskIds);
    drain = drain == null ? DrainState.NONE : drain;
    killingTaskIds = killingTaskIds == null ? List.of() : List.copyOf(killingTaskIds);
    killedTaskIds = killedTaskIds == null ? List.of() : List.copyOf(killedTaskIds);
    traffic = traffic == null ? TrafficState.START : traffic;
    rollback = rollback == null ? RollbackState.NONE : rollback;
    audit = audit == null ? List.of() : List.copyOf(audit);
    controls = controls == null ? Controls.NONE : controls;
    analysis = analysis == null ? AnalysisState.NONE : analysis;
  }

  public boolean running() {
    return phase != Phase.DONE;
  }

  public boolean firstDeployment() {
    return blueAppId.isEmpty();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Copy-and-change helper: records are immutable, every step saves a new one. */
  public static final class Builder {
    private String id;
    private GroupName group;
    private long epoch;
    private DeploymentOptions options;
    private Phase phase;
    private Outcome outcome = Outcome.RUNNING;
    private String message;
    private Instant startedAt;
    private Instant finishedAt;
    private Instant phaseStartedAt;
    private String blueAppId;
    private String greenAppId;
    private Colour greenColour;
    private String greenAppJson;
    private int servicePort;
    private int targetInstances;
    private int goalInstances;
    private int blueTargetInstances;
    private boolean greenCreated;
    private long backendVersion;
    private String backendFingerprint;
    private List<String> admittedTaskIds;
    private List<String> retiredTaskIds;
    private DrainState drain = DrainState.NONE;
    private List<String> killingTaskIds;
    private List<String> killedTaskIds;
    private int plannedGreenInstances;
    private TrafficState traffic = TrafficState.START;
    private Instant healthDeadline;
    private Instant keepPreviousUntil;
    private boolean paused;
    private RollbackState rollback = RollbackState.NONE;
    private List<String> audit = List.of();
    private Controls controls = Controls.NONE;
    private AnalysisState analysis = AnalysisState.NONE;

    private Builder() {}

    private Builder(DeploymentRecord r) {
      id = r.id;
      group = r.group;
      epoch = r.epoch;
      options = r.options;
      phase = r.phase;
      outcome = r.outcome;
      message = r.message;
      startedAt = r.startedAt;
      finishedAt = r.finishedAt;
      phaseStartedAt = r.phaseStartedAt;
      blueAppId = r.blueAppId;
      greenAppId = r.greenAppId;
      greenColour = r.greenColour;
      greenAppJson = r.greenAppJson;
      servicePort = r.servicePort;
      targetInstances = r.targetInstances;
      goalInstances = r.goalInstances;
      blueTargetInstances = r.blueTargetInstances;
      greenCreated = r.greenCreated;
      backendVersion = r.backendVersion;
      backendFingerprint = r.backendFingerprint;
      admittedTaskIds = r.admittedTaskIds;
      retiredTaskIds = r.retiredTaskIds;
      drain = r.drain;
      killingTaskIds = r.killingTaskIds;
      killedTaskIds = r.killedTaskIds;
      plannedGreenInstances = r.plannedGreenInstances;
      traffic = r.traffic;
      healthDeadline = r.healthDeadline;
      keepPreviousUntil = r.keepPreviousUntil;
      paused = r.paused;
      rollback = r.rollback;
      audit = r.audit;
      controls = r.controls;
      analysis = r.analysis;
    }

    public Builder id(String v) {
      id = v;
      return this;
    }

    public Builder group(GroupName v) {
      group = v;
      return this;
    }

    public Builder epoch(long v) {
      epoch = v;
      return this;
    }

    public Builder options(DeploymentOptions v) {
      options = v;
      return this;
    }

    public Builder phase(Phase v) {
      phase = v;
      return this;
    }

    public Builder outcome(Outcome v) {
      outcome = v;
      return this;
    }

    public Builder message(String v) {
      message = v;
      return this;
    }

    public Builder startedAt(Instant v) {
      startedAt = v;
      return this;
    }

    public Builder finishedAt(Instant v) {
      finishedAt = v;
      return this;
    }

    public Builder phaseStartedAt(Instant v) {
      phaseStartedAt = v;
      return this;
    }

    public Builder blueAppId(String v) {
      blueAppId = v;
      return this;
    }

    public Builder greenAppId(String v) {
      greenAppId = v;
      return this;
    }

    public Builder greenColour(Colour v) {
      greenColour = v;
      return this;
    }

    public Builder greenAppJson(String v) {
      greenAppJson = v;
      return this;
    }

    public Builder servicePort(int v) {
      servicePort = v;
      return this;
    }

    public Builder targetInstances(int v) {
      targetInstances = v;
      return this;
    }

    public Builder goalInstances(int v) {
      goalInstances = v;
      return this;
    }

    public Builder blueTargetInstances(int v) {
      blueTargetInstances = v;
      return this;
    }

    public Builder greenCreated(boolean v) {
      greenCreated = v;
      return this;
    }

    public Builder backendVersion(long v) {
      backendVersion = v;
      return this;
    }

    public Builder backendFingerprint(String v) {
      backendFingerprint = v;
      return this;
    }

    public Builder admittedTaskIds(List<String> v) {
      admittedTaskIds = v;
      return this;
    }

    public Builder retiredTaskIds(List<String> v) {
      retiredTaskIds = v;
      return this;
    }

    public Builder drain(DrainState v) {
      drain = v;
      return this;
    }

    public Builder killingTaskIds(List<String> v) {
      killingTaskIds = v;
      return this;
    }

    public Builder killedTaskIds(List<String> v) {
      killedTaskIds = v;
      return this;
    }

    public Builder plannedGreenInstances(int v) {
      plannedGreenInstances = v;
      return this;
    }

    public Builder traffic(TrafficState v) {
      traffic = v;
      return this;
    }

    public Builder healthDeadline(Instant v) {
      healthDeadline = v;
      return this;
    }

    public Builder keepPreviousUntil(Instant v) {
      keepPreviousUntil = v;
      return this;
    }

    public Builder paused(boolean v) {
      paused = v;
      return this;
    }

    public Builder rollback(RollbackState v) {
      rollback = v;
      return this;
    }

    /** Appends one audit entry, keeping the last {@value DeploymentRecord#AUDIT_LIMIT}. */
    public Builder audit(String entry) {
      List<String> next = new ArrayList<>(audit);
      next.add(entry);
      audit = List.copyOf(next.subList(Math.max(0, next.size() - AUDIT_LIMIT), next.size()));
      return this;
    }

    /** Replaces the whole audit list (a save merging an operator's entries into a tick's record). */
    Builder auditEntries(List<String> v) {
      audit = v;
      return this;
    }

    public Builder analysis(AnalysisState v) {
      analysis = v;
      return this;
    }

    public Builder controls(Controls v) {
      controls = v;
      return this;
    }

    public DeploymentRecord build() {
      return new DeploymentRecord(
          id, group, epoch, options, phase, outcome, message, startedAt, finishedAt, phaseStartedAt, blueAppId,
          greenAppId, greenColour, greenAppJson, servicePort, targetInstances, goalInstances, blueTargetInstances,
          greenCreated, backendVersion, backendFingerprint, admittedTaskIds, retiredTaskIds, drain, killingTaskIds,
          killedTaskIds, plannedGreenInstances, traffic, healthDeadline, keepPreviousUntil, paused, rollback, audit,
          controls, analysis);
    }
  }
}
