package io.zdd.coordinator.security;

import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.port.EventSink;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who did what to which deployment, and when: a line on the {@code zdd.audit} logger and an
 * {@code OPERATOR_ACTION} event in the deployment's history. Refusals are written too (to the
 * log only: a refused request has no deployment).
 */
public final class AuditTrail {
  private static final Logger log = LoggerFactory.getLogger("zdd.audit");

  private final EventSink events;
  private final Clock clock;

  public AuditTrail(EventSink events, Clock clock) {
    this.events = events;
    this.clock = clock;
  }

  /** The name a caller is recorded under. */
  public static String who(Optional<SpiffeId> caller) {
    return caller.map(SpiffeId::toString).orElse("anonymous");
  }

  public void done(Optional<SpiffeId> caller, String action, DeploymentRecord rec) {
    String message = who(caller) + " " + action;
    log.info("{} group={} deployment={} outcome=done", message, rec.group(), rec.id());
    events.accept(new DeploymentEvent(0, clock.instant(), EventKind.OPERATOR_ACTION, message, rec, List.of(), List.of(),
        List.of()));
  }

  /** An action that belongs to no deployment (e.g. a fence reset): the log only. */
  public void done(Optional<SpiffeId> caller, String action) {
    log.info("{} {} outcome=done", who(caller), action);
  }

  public void refused(Optional<SpiffeId> caller, String action, String group, String why) {
    log.warn("{} {} group={} outcome=refused reason={}", who(caller), action, group, why);
  }
}
