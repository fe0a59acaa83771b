package io.zdd.coordinator.admin;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.NotFoundException;
import io.zdd.common.error.NotLeaderException;
import io.zdd.common.error.PermissionDeniedException;
import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.engine.Control;
import io.zdd.coordinator.engine.Deployment;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.security.AuditTrail;
import io.zdd.coordinator.security.OperatorRoles;
import io.zdd.coordinator.service.DeploymentSupervisor;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The one way an operator's control (promote, pause, resume, abort) reaches a running deployment,
 * whether it came over the admin API or from the dashboard: the caller's scope is checked against
 * the deployment's group and apps (a refusal is audited), the request and its audit entry are one
 * persisted write on the leader, and the action is audited.
 */
public final class OperatorControls {
  private final Supplier<Optional<DeploymentSupervisor>> leaderWork;
  private final Supplier<Optional<String>> leaderAddress;
  private final OperatorRoles roles;
  private final AuditTrail audit;

  public OperatorControls(Supplier<Optional<DeploymentSupervisor>> leaderWork, Supplier<Optional<String>> leaderAddress,
      OperatorRoles roles, AuditTrail audit) {
    this.leaderWork = leaderWork;
    this.leaderAddress = leaderAddress;
    this.roles = roles;
    this.audit = audit;
  }

  /** The leader's work; a standby refuses with the leader's address. */
  public DeploymentSupervisor leader() {
    return leaderWork.get().orElseThrow(() -> new NotLeaderException(leaderAddress.get().orElse("")));
  }

  /** Refuses, and records the refusal, unless the caller's role covers the group and apps. */
  public void requireScope(Optional<SpiffeId> caller, String action, String group, List<String> appIds) {
    Optional<String> refused = roles.refuseChange(caller, group, appIds);
    if (refused.isPresent()) {
      audit.refused(caller, action, group, refused.get());
      throw new PermissionDeniedException(refused.get());
    }
  }

  /** True when {@code caller}'s role covers the deployment (what a view may offer; nothing is audited). */
  public boolean mayControl(SpiffeId caller, DeploymentRecord r) {
    return roles.refuseChange(Optional.of(caller), r.group().value(), apps(r)).isEmpty();
  }

  /**
   * Applies {@code control} to the running deployment {@code id} (or the group's, when id is empty).
   *
   * @return the record once the request took effect, or with it pending (see {@link DeploymentSupervisor#control})
   */
  public DeploymentRecord apply(Optional<SpiffeId> caller, String id, String group, Control control) {
    if (id.isEmpty() && group.isEmpty()) {
      throw new InvalidInputException("id", "give a deployment id or a group");
    }
    String action = control.done();
    DeploymentSupervisor leader = leader();
    Deployment target = leader.find(id, group).orElseThrow(() -> new NotFoundException(
        "no running deployment " + (id.isEmpty() ? "for group " + group : id) + " on the leader"));
    DeploymentRecord current = target.record();
    requireScope(caller, action, current.group().value(), apps(current));
    // The request and its audit entry are one write.
    DeploymentRecord after = leader.control(target.id(), "",
        d -> d.request(control, AuditTrail.who(caller) + " " + action + " the deployment"));
    audit.done(caller, action + " the deployment", after);
    return after;
  }

  private static List<String> apps(DeploymentRecord r) {
    return Stream.of(r.blueAppId(), r.greenAppId()).filter(a -> a != null && !a.isEmpty()).toList();
  }
}
