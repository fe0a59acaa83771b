package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

/** An app: its normalized definition plus scheduler state. Guarded by the {@link LocalMarathon} lock. */
final class App {
  final String id;
  ObjectNode spec;
  String version;
  String lastScalingAt;
  String lastConfigChangeAt;
  /** Tasks in launch order; terminal tasks are removed. */
  final Map<String, Task> tasks = new LinkedHashMap<>();
  boolean deleting;
  int launchFailures;
  Instant nextLaunchAt = Instant.MIN;
  ObjectNode lastTaskFailure;

  App(String id, ObjectNode spec, String version) {
    this.id = id;
    this.spec = spec;
    this.version = version;
    this.lastScalingAt = version;
    this.lastConfigChangeAt = version;
  }

  int instances() {
    return spec.path("instances").asInt();
  }

  List<HealthCheckSpec> healthChecks() {
    return StreamSupport.stream(spec.path("healthChecks").spliterator(), false).map(HealthCheckSpec::from).toList();
  }

  /** Service ports in port order, from the port mappings or else the port definitions. */
  List<Integer> servicePorts() {
    var mappings = AppDefinitions.portMappings(spec);
    if (mappings != null) {
      return StreamSupport.stream(mappings.spliterator(), false).map(m -> m.path("servicePort").asInt()).toList();
    }
    return StreamSupport.stream(spec.path("portDefinitions").spliterator(), false).map(d -> d.path("port").asInt()).toList();
  }

  /** Kill grace: {@code taskKillGracePeriodSeconds}, else Mesos' default of 3 s. */
  long killGraceSeconds() {
    return spec.path("taskKillGracePeriodSeconds").isNumber() ? spec.get("taskKillGracePeriodSeconds").asLong() : 3;
  }

  /** The prefix of task ids: {@code /prod/web} runs tasks {@code prod_web.<uuid>}. */
  String taskIdPrefix() {
    return id.substring(1).replace('/', '_');
  }
}
