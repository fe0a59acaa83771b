package io.zdd.coordinator.marathon;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import io.zdd.coordinator.engine.port.AppDefinition;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.MarathonPort;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's {@link MarathonPort} over a {@link MarathonClient}: Marathon's apps and tasks become
 * {@link AppStatus}/{@link TaskStatus} with every task's address and ports already resolved for its
 * networking mode by {@link TaskAddressResolver}, so the engine never reads networking fields.
 *
 * <p>A task that cannot be reached yet (no IP, no ports, an agent name that does not resolve) is
 * reported with no address, so it is not serving; it is never dropped, because the engine must still
 * see it to count and kill it.
 */
public final class MarathonPortAdapter implements MarathonPort {
  private static final Logger log = LoggerFactory.getLogger(MarathonPortAdapter.class);
  private static final String GROUP_LABEL = "HAPROXY_DEPLOYMENT_GROUP";

  private final MarathonClient client;
  private final TaskAddressResolver addresses;

  public MarathonPortAdapter(MarathonClient client, TaskAddressResolver addresses) {
    this.client = Objects.requireNonNull(client, "client");
    this.addresses = Objects.requireNonNull(addresses, "addresses");
  }

  @Override
  public List<AppStatus> listAppsInGroup(String group) {
    if (group == null || group.isBlank()) {
      throw new InvalidInputException("group", "must not be empty");
    }
    List<AppStatus> out = new ArrayList<>();
    for (MarathonApp app : client.listApps(GROUP_LABEL + "==" + group)) {
      // Marathon filters already; checking again keeps a lax or fake server from mixing groups.
      if (app.label(GROUP_LABEL).filter(group::equals).isPresent()) {
        out.add(toStatus(app));
      }
    }
    return out;
  }

  @Override
  public AppStatus getApp(String appId) {
    return toStatus(client.getApp(appId));
  }

  @Override
  public void createApp(AppDefinition app) {
    client.createApp(app.json());
  }

  @Override
  public void scaleApp(String appId, int instances) {
    client.scaleApp(appId, instances, false);
  }

  @Override
  public void killTasksAndScale(String appId, Collection<String> taskIds) {
    log.info("Killing {} task(s) of {} with scale=true: {}", taskIds.size(), appId, taskIds);
    client.killTasks(List.copyOf(taskIds), true);
  }

  @Override
  public void deleteApp(String appId) {
    client.deleteApp(appId);
  }

  /** Marathon's app as the engine sees it. */
  public AppStatus toStatus(MarathonApp app) {
    List<TaskStatus> tasks = new ArrayList<>(app.tasks().size());
    for (MarathonTask task : app.tasks()) {
      tasks.add(toStatus(app, task));
    }
    return new AppStatus(app.id(), app.instances(), app.labels(), app.deploying(), tasks,
        servicePorts(app), app.versionInfo().lastScalingAt(), app.raw());
  }

  private TaskStatus toStatus(MarathonApp app, MarathonTask task) {
    String address = "";
    List<Integer> ports = List.of();
    try {
      List<TaskEndpoint> endpoints = addresses.endpoints(app, task);
      address = endpoints.get(0).ip();
      ports = endpoints.stream().map(TaskEndpoint::port).toList();
    } catch (PreconditionException | UnavailableException e) {
      log.debug("Task {} has no usable address yet: {}", task.id(), e.getMessage());
    }
    boolean healthy = app.hasHealthChecks() ? task.healthCheckPassing() : task.running();
    // Marathon 1.4 replies carry no state; a listed task that has started is running.
    String state = task.state().orElse(task.startedAt().isPresent() ? "TASK_RUNNING" : "TASK_STAGING");
    return new TaskStatus(task.id(), task.host(), address, ports, healthy, state);
  }

  /** Every service port, from wherever this app's Marathon version keeps them. */
  static List<Integer> servicePorts(MarathonApp app) {
    if (!app.portMappings().isEmpty()) {
      return app.portMappings().stream().map(MarathonApp.PortMapping::servicePort).toList();
    }
    if (!app.portDefinitions().isEmpty()) {
      return app.portDefinitions().stream().map(MarathonApp.PortDefinition::port).toList();
    }
    return app.ports();
  }
}
