/**
 * The coordinator's Marathon client.
 *
 * <ul>
 *   <li>{@link io.zdd.coordinator.marathon.MarathonClient} / {@link io.zdd.coordinator.marathon.HttpMarathonClient}:
 *       the REST calls, with deadlines, retries only where repeating is safe, the 409 lock policy
 *       and typed errors;</li>
 *   <li>{@link io.zdd.coordinator.marathon.MarathonEventStream}: {@code /v2/events} with reconnect;</li>
 *   <li>{@link io.zdd.coordinator.marathon.MarathonAuths}, {@link io.zdd.coordinator.marathon.BasicAuth},
 *       {@link io.zdd.coordinator.marathon.DcosServiceAccountAuth}: credentials, never logged;</li>
 *   <li>{@link io.zdd.coordinator.marathon.TaskAddressResolver} and
 *       {@link io.zdd.coordinator.marathon.ServerNames}: where a load balancer reaches a task, for
 *       every networking mode, and what the server is called;</li>
 *   <li>{@link io.zdd.coordinator.marathon.MarathonPortAdapter}: the engine's Marathon port.</li>
 * </ul>
 */
package io.zdd.coordinator.marathon;
