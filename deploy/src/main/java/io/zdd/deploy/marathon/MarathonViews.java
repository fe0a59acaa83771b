package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * Marathon's JSON for apps, tasks and status updates, with the field names and types of real
 * Marathon 1.4/1.5 replies (both versions' fields, so clients of either find theirs). Callers hold
 * the scheduler lock while rendering.
 */
final class MarathonViews {
  private final String host;
  private final String hostAddress;
  private final String slaveId;

  MarathonViews(String host, String hostAddress, String slaveId) {
    this.host = host;
    this.hostAddress = hostAddress;
    this.slaveId = slaveId;
  }

  /** The app as Marathon shows it: definition, service ports, version info, and what {@code embed} asks for. */
  ObjectNode app(App app, Set<LocalMarathon.Embed> embed, List<String> deploymentIds) {
    ObjectNode json = app.spec.deepCopy();
    ArrayNode ports = MarathonJson.array();
    List<Integer> svc = app.servicePorts();
    svc.forEach(ports::add);
    json.set("ports", ports);
    ArrayNode mappings = AppDefinitions.portMappings(app.spec);
    if (mappings != null) {
      // Mirror the service ports, as older Marathon versions and marathon-lb's fixtures show them.
      ArrayNode defs = MarathonJson.array();
      for (JsonNode mapping : mappings) {
        ObjectNode def = defs.addObject();
        def.put("port", mapping.path("servicePort").asInt());
        def.put("protocol", mapping.path("protocol").asText("tcp"));
        if (mapping.has("name")) {
          def.set("name", mapping.get("name"));
        }
        def.set("labels", mapping.path("labels").deepCopy());
      }
      json.set("portDefinitions", defs);
    }
    json.put("version", app.version);
    ObjectNode versionInfo = json.putObject("versionInfo");
    versionInfo.put("lastScalingAt", app.lastScalingAt);
    versionInfo.put("lastConfigChangeAt", app.lastConfigChangeAt);
    if (embed.contains(LocalMarathon.Embed.COUNTS)) {
      json.put("tasksStaged", (int) app.tasks.values().stream().filter(t -> t.state == TaskState.TASK_STAGING).count());
      json.put("tasksRunning", (int) app.tasks.values().stream().filter(t -> t.state == TaskState.TASK_RUNNING).count());
      boolean checked = !app.spec.path("healthChecks").isEmpty();
      json.put("tasksHealthy", checked ? (int) app.tasks.values().stream().filter(Task::isReady).count() : 0);
      json.put("tasksUnhealthy", (int) app.tasks.values().stream().filter(Task::isUnhealthy).count());
    }
    if (embed.contains(LocalMarathon.Embed.DEPLOYMENTS)) {
      ArrayNode list = json.putArray("deployments");
      deploymentIds.forEach(id -> list.addObject().put("id", id));
    }
    if (embed.contains(LocalMarathon.Embed.TASKS)) {
      ArrayNode tasks = json.putArray("tasks");
      app.tasks.values().forEach(t -> tasks.add(task(app, t, false)));
    }
    if (embed.contains(LocalMarathon.Embed.LAST_TASK_FAILURE) && app.lastTaskFailure != null) {
      json.set("lastTaskFailure", app.lastTaskFailure.deepCopy());
    }
    return json;
  }

  /** A task as listed in an app; {@code /v2/tasks} adds {@code servicePorts}. */
  ObjectNode task(App app, Task task, boolean withServicePorts) {
    ObjectNode json = MarathonJson.object();
    json.put("id", task.id);
    json.put("slaveId", slaveId);
    json.put("host", host);
    json.put("state", task.state.name());
    json.put("startedAt", task.startedAt == null ? null : MarathonJson.timestamp(task.startedAt));
    json.put("stagedAt", MarathonJson.timestamp(task.stagedAt));
    ArrayNode ports = json.putArray("ports");
    task.ports.forEach(ports::add);
    json.put("version", task.version);
    json.set("ipAddresses", ipAddresses());
    json.put("appId", app.id);
    if (withServicePorts) {
      ArrayNode svc = json.putArray("servicePorts");
      task.servicePorts.forEach(svc::add);
    }
    if (!app.spec.path("healthChecks").isEmpty()) {
      ArrayNode results = json.putArray("healthCheckResults");
      for (HealthState h : task.health) {
        if (!h.hasResult()) {
          continue;
        }
        ObjectNode r = results.addObject();
        r.put("alive", h.alive);
        r.put("consecutiveFailures", h.consecutiveFailures);
        r.put("firstSuccess", h.firstSuccess == null ? null : MarathonJson.timestamp(h.firstSuccess));
        r.put("lastFailure", h.lastFailure == null ? null : MarathonJson.timestamp(h.lastFailure));
        r.put("lastSuccess", h.lastSuccess == null ? null : MarathonJson.timestamp(h.lastSuccess));
        r.put("lastFailureCause", h.lastFailureCause);
        r.put("taskId", task.id);
        r.put("instanceId", task.instanceId);
      }
    }
    return json;
  }

  /** The {@code status_update_event} for the task's current state. */
  ObjectNode statusUpdate(Task task) {
    ObjectNode event = MarathonJson.object();
    event.put("slaveId", slaveId);
    event.put("taskId", task.id);
    event.put("taskStatus", task.state.name());
    event.put("message", task.state.isTerminal() ? task.exitMessage : "");
    event.put("appId", task.appId);
    event.put("host", host);
    event.set("ipAddresses", ipAddresses());
    ArrayNode ports = event.putArray("ports");
    task.ports.forEach(ports::add);
    event.put("version", task.version);
    return event;
  }

  private ArrayNode ipAddresses() {
    ArrayNode list = MarathonJson.array();
    ObjectNode ip = list.addObject();
    ip.put("ipAddress", hostAddress);
    ip.put("protocol", hostAddress.contains(":") ? "IPv6" : "IPv4");
    return list;
  }
}
