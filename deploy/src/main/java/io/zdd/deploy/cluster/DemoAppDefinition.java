package io.zdd.deploy.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * Marathon app definitions of the demo app ({@link io.zdd.deploy.demoapp.DemoApp}), as a user
 * would write them for zdd: the deployment-group labels, one service port, an HTTP health check.
 * Tasks run the demo app on this JVM's class path with small-heap, fast-start JVM flags.
 */
public final class DemoAppDefinition {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DemoAppDefinition() {}

  /**
   * @param group HAPROXY_DEPLOYMENT_GROUP, also the app id
   * @param servicePort the public port on every LB (HAPROXY_0_PORT)
   * @param altPort HAPROXY_DEPLOYMENT_ALT_PORT
   * @param version what the app reports in its replies
   * @param pendingMillis how long each /work operation stays pending after its reply
   */
  public static String json(String group, int servicePort, int altPort, String version, int instances,
      long pendingMillis, String classPath) {
    return json(group, servicePort, altPort, version, instances, pendingMillis, classPath, Map.of(), Map.of());
  }

  /**
   * @param extraEnv more environment, e.g. {@code ZDD_DEMO_ERROR_RATE=0.2} for a bad version
   * @param extraLabels more labels, e.g. {@code ZDD_ANALYSIS_MAX_5XX_RATIO=0.01} to gate its canary
   */
  public static String json(String group, int servicePort, int altPort, String version, int instances,
      long pendingMillis, String classPath, Map<String, String> extraEnv, Map<String, String> extraLabels) {
    ObjectNode app = JSON.createObjectNode();
    app.put("id", "/" + group);
    String java = System.getProperty("java.home") + "/bin/java";
    // exec: the task's process is the JVM itself, so Marathon's SIGTERM reaches the app directly.
    app.put("cmd", "exec " + java + " -Xmx48m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
        + " -Dzdd.log.level=WARN -cp " + classPath + " io.zdd.deploy.demoapp.DemoApp --drain-seconds 10");
    app.put("instances", instances);
    app.put("cpus", 0.1);
    app.put("mem", 64);
    ObjectNode env = app.putObject("env");
    env.put("ZDD_DEMO_VERSION", version);
    env.put("ZDD_DEMO_PENDING_MS", Long.toString(pendingMillis));
    new TreeMap<>(extraEnv).forEach(env::put);
    ArrayNode ports = app.putArray("portDefinitions");
    ports.addObject().put("port", servicePort).put("protocol", "tcp").put("name", "http");
    ObjectNode labels = app.putObject("labels");
    labels.put("HAPROXY_GROUP", "external");
    labels.put("HAPROXY_DEPLOYMENT_GROUP", group);
    labels.put("HAPROXY_DEPLOYMENT_ALT_PORT", Integer.toString(altPort));
    new TreeMap<>(extraLabels).forEach(labels::put);
    ArrayNode checks = app.putArray("healthChecks");
    checks.addObject()
        .put("protocol", "HTTP").put("path", "/health").put("portIndex", 0)
        .put("gracePeriodSeconds", 30).put("intervalSeconds", 1).put("timeoutSeconds", 2)
        .put("maxConsecutiveFailures", 3);
    app.put("taskKillGracePeriodSeconds", 15);
    return app.toString();
  }
}
