package io.zdd.coordinator.marathon;

import io.zdd.common.error.PreconditionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Works out the address and port a load balancer must use for each port of a task, for every
 * Marathon networking mode (the way marathon-lb's {@code get_task_ip_and_ports} does, so both see
 * the same servers):
 * <ul>
 *   <li>{@link NetworkingMode#HOST} ({@code portDefinitions} or legacy {@code ports}) and
 *       {@link NetworkingMode#BRIDGE} ({@code container[.docker].portMappings}): the agent
 *       ({@code task.host}, resolved to an IP) and the host ports in {@code task.ports};</li>
 *   <li>{@link NetworkingMode#CONTAINER} (USER networks, {@code networks[].mode=container}, legacy
 *       {@code ipAddress}): the task's first IP ({@code task.ipAddresses[0]}) and the container
 *       ports: {@code ipAddress.discovery.ports[].number} if given, else the port mappings'
 *       {@code containerPort}.</li>
 * </ul>
 * A task that cannot be reached yet (no host, no IP, no ports) is a {@link PreconditionException}
 * naming the task and what is missing; a host name that does not resolve is an
 * {@link io.zdd.common.error.UnavailableException}.
 */
public final class TaskAddressResolver {
  private final HostAddressResolver hosts;

  public TaskAddressResolver(HostAddressResolver hosts) {
    this.hosts = Objects.requireNonNull(hosts, "hosts");
  }

  /** One endpoint per app port of the task, in port-index order. */
  public List<TaskEndpoint> endpoints(MarathonApp app, MarathonTask task) {
    NetworkingMode mode = app.networkingMode();
    String ip = ipOf(app, task, mode);
    List<Integer> ports = portsOf(app, task, mode);
    List<TaskEndpoint> out = new ArrayList<>(ports.size());
    for (int i = 0; i < ports.size(); i++) {
      out.add(new TaskEndpoint(task.id(), task.host(), ip, ports.get(i), i, mode));
    }
    return out;
  }

  /** The endpoint for one app port of the task. */
  public TaskEndpoint endpoint(MarathonApp app, MarathonTask task, int portIndex) {
    List<TaskEndpoint> all = endpoints(app, task);
    if (portIndex < 0 || portIndex >= all.size()) {
      throw new PreconditionException("task " + task.id() + " of app " + app.id() + " has "
          + all.size() + " port(s); port index " + portIndex + " does not exist");
    }
    return all.get(portIndex);
  }

  private String ipOf(MarathonApp app, MarathonTask task, NetworkingMode mode) {
    if (mode == NetworkingMode.CONTAINER) {
      if (task.ipAddresses().isEmpty()) {
        throw new PreconditionException("task " + task.id() + " of IP-per-task app " + app.id()
            + " has no ipAddresses yet");
      }
      return task.ipAddresses().get(0);
    }
    if (task.host().isEmpty()) {
      throw new PreconditionException("task " + task.id() + " of app " + app.id() + " has no host yet");
    }
    return hosts.resolve(task.host());
  }

  private static List<Integer> portsOf(MarathonApp app, MarathonTask task, NetworkingMode mode) {
    List<Integer> ports = new ArrayList<>();
    if (mode == NetworkingMode.CONTAINER) {
      if (app.ipAddress().isPresent() && !app.ipAddress().get().discoveryPorts().isEmpty()) {
        ports.addAll(app.ipAddress().get().discoveryPorts());
      } else {
        app.portMappings().forEach(m -> ports.add(m.containerPort()));
      }
    } else {
      ports.addAll(task.ports());
    }
    if (ports.isEmpty()) {
      throw new PreconditionException("task " + task.id() + " of app " + app.id() + " (" + mode
          + " networking) has no ports: "
          + (mode == NetworkingMode.CONTAINER
              ? "the app defines neither ipAddress.discovery.ports nor portMappings"
              : "task.ports is empty"));
    }
    for (int i = 0; i < ports.size(); i++) {
      if (ports.get(i) < 1) {
        throw new PreconditionException("task " + task.id() + " of app " + app.id() + ": port "
            + i + " is " + ports.get(i) + ", not a usable port");
      }
    }
    return ports;
  }
}
