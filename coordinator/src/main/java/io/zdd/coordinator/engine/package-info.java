/**
 * The deployment engine: plain Java, no gRPC, Curator, ZooKeeper or HTTP types (the one HTTP
 * client lives in {@code engine.probe}, behind {@link io.zdd.coordinator.engine.port.PendingOperationsProbe}).
 *
 * <ul>
 *   <li>{@link io.zdd.coordinator.engine.DeploymentEngine} — preflight ({@code plan}, {@code start})
 *       and take-over ({@code resume}) of a group's deployment.
 *   <li>{@link io.zdd.coordinator.engine.Deployment} — the persisted state machine; one
 *       {@code tick()} per step, driven by {@link io.zdd.coordinator.engine.DeploymentRunner}.
 *   <li>{@link io.zdd.coordinator.engine.DeploymentPlanner} — zdd.py's green preparation;
 *       {@link io.zdd.coordinator.engine.DryRunPlanner} — the dry-run plan.
 *   <li>Pure rules: {@link io.zdd.coordinator.engine.GrowthPolicy},
 *       {@link io.zdd.coordinator.engine.WeightSplit},
 *       {@link io.zdd.coordinator.engine.BackendSetComposer},
 *       {@link io.zdd.coordinator.engine.DrainJudge}.
 *   <li>{@code engine.port} — the interfaces adapters implement (Marathon, LB fleet, store,
 *       pending-operations probe, pre-kill hook, events, sleeper).
 * </ul>
 *
 * <p>Invariants the tests hold it to: every action is preceded by a save of the record naming
 * what it acts on; a task is killed only after every LB serving the group reported its server out
 * of rotation with no connection in any HAProxy worker (a LB without a fresh sample has not
 * drained it) and, when configured, its pending-operations gauge read 0; a new server gets a
 * weight only after every LB reported it UP; drain selection never depends on Marathon's
 * {@code lastScalingAt}.
 */
package io.zdd.coordinator.engine;
