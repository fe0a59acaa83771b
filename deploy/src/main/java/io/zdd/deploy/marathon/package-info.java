/**
 * A Marathon-compatible scheduler that runs app instances as local processes: the stand-in for
 * Marathon in the demo and in end-to-end tests (Marathon itself needs Mesos).
 *
 * <p>{@link io.zdd.deploy.marathon.LocalMarathon} holds apps, tasks and deployments and reconciles
 * them; {@link io.zdd.deploy.marathon.MarathonHttpServer} serves Marathon's REST API and event
 * stream in front of it; {@link io.zdd.deploy.marathon.LocalMarathonMain} runs both standalone:
 *
 * <pre>
 * java -cp "deploy/target/zdd-deploy-VERSION.jar:deploy/target/lib/*" \
 *     io.zdd.deploy.marathon.LocalMarathonMain --port 8080
 * </pre>
 *
 * <p>What is faithful: URLs, status codes, JSON field names and types (checked against real
 * Marathon 1.4/1.5 replies), error shapes, task states and environment, health-check semantics
 * (grace period, consecutive failures, kill of unhealthy tasks), kill grace then SIGKILL, launch
 * backoff, service-port uniqueness, deployments and their events. What differs: there is one agent
 * (this host); container images are not run (an app needs {@code cmd} or {@code args}; container
 * and network fields are stored and returned as given); tasks listen on host ports directly, also
 * for apps with bridge-mode port mappings; no groups, pods, readiness checks, constraints or auth.
 */
package io.zdd.deploy.marathon;
