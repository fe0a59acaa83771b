package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** What process a task runs: its command line and the environment Marathon would give it. */
final class TaskProcessSpec {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private TaskProcessSpec() {}

  /** {@code /bin/sh -c cmd}, or the {@code args} as they are, or null for an image-only app. */
  static List<String> command(App app) {
    if (app.spec.path("cmd").isTextual()) {
      return List.of("/bin/sh", "-c", app.spec.get("cmd").asText());
    }
    if (app.spec.path("args").isArray() && !app.spec.get("args").isEmpty()) {
      List<String> args = new ArrayList<>();
      app.spec.get("args").forEach(a -> args.add(a.asText()));
      return args;
    }
    return null;
  }

  /** The environment Marathon and Mesos give a task; {@code host} is the agent's host name. */
  static Map<String, String> environment(App app, String taskId, List<Integer> ports, Path sandbox, String host) {
    Map<String, String> env = new LinkedHashMap<>();
    app.spec.path("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
    for (int i = 0; i < ports.size(); i++) {
      env.put("PORT" + i, String.valueOf(ports.get(i)));
    }
    if (!ports.isEmpty()) {
      env.put("PORT", String.valueOf(ports.get(0)));
      env.put("PORTS", ports.stream().map(String::valueOf).collect(Collectors.joining(",")));
    }
    ArrayNode mappings = AppDefinitions.portMappings(app.spec);
    JsonNode named = mappings != null ? mappings : app.spec.path("portDefinitions");
    for (int i = 0; i < named.size() && i < ports.size(); i++) {
      JsonNode def = named.get(i);
      if (def.path("containerPort").asInt() > 0) {
        env.put("PORT_" + def.get("containerPort").asInt(), String.valueOf(ports.get(i)));
      }
      String name = def.path("name").asText("");
      if (ENV_NAME.matcher(name).matches()) {
        env.put("PORT_" + name.toUpperCase(Locale.ROOT), String.valueOf(ports.get(i)));
      }
    }
    env.put("HOST", host);
    env.put("MARATHON_APP_ID", app.id);
    env.put("MARATHON_APP_VERSION", app.version);
    env.put("MESOS_TASK_ID", taskId);
    env.put("MESOS_SANDBOX", sandbox.toString());
    env.put("MARATHON_APP_RESOURCE_CPUS", app.spec.path("cpus").asText());
    env.put("MARATHON_APP_RESOURCE_MEM", app.spec.path("mem").asText());
    env.put("MARATHON_APP_RESOURCE_DISK", app.spec.path("disk").asText());
    env.put("MARATHON_APP_RESOURCE_GPUS", app.spec.path("gpus").asText());
    List<String> labelNames = new ArrayList<>();
    app.spec.path("labels").properties().forEach(e -> {
      if (ENV_NAME.matcher(e.getKey()).matches() && e.getValue().asText().length() <= 512) {
        labelNames.add(e.getKey());
        env.put("MARATHON_APP_LABEL_" + e.getKey().toUpperCase(Locale.ROOT), e.getValue().asText());
      }
    });
    env.put("MARATHON_APP_LABELS", String.join(" ", labelNames));
    String image = app.spec.path("container").path("docker").path("image").asText("");
    if (!image.isEmpty()) {
      env.put("MARATHON_APP_DOCKER_IMAGE", image);
    }
    return env;
  }
}
