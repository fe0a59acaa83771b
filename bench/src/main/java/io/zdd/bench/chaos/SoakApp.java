package io.zdd.bench.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.deploy.cluster.DemoAppDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One app of the soak: the demo app as deployment group {@code name}, exposed by Marathon-LB group
 * {@code lbGroup} on {@code servicePort} (its alternate port is the next one). A port-swap app is
 * always deployed with {@code --swap port}, its colours' own frontends on the two ports after
 * that: its LBs' public port is an iptables redirect to one of them, which a weights deployment
 * would not know to move.
 */
record SoakApp(String name, String lbGroup, int servicePort, int instances, boolean portSwap) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** True for the Marathon app ids of this deployment group: {@code /name} and its colours {@code /name-blue|green}. */
  boolean owns(String appId) {
    return appId.equals("/" + name) || appId.startsWith("/" + name + "-");
  }

  /** The deploy flags of its swap mode (none for a weights app). */
  List<String> swapFlags() {
    return portSwap ? List.of("--swap", "port", "--blue-frontend-port", Integer.toString(servicePort + 2),
        "--green-frontend-port", Integer.toString(servicePort + 3)) : List.of();
  }

  /** Writes the app definition of {@code version} and returns its path. */
  Path write(Path dir, String version) throws IOException {
    ObjectNode json = (ObjectNode) JSON.readTree(DemoAppDefinition.json(name, servicePort, servicePort + 1, version,
        instances, 100, System.getProperty("java.class.path")));
    ((ObjectNode) json.get("labels")).put("HAPROXY_GROUP", lbGroup);
    Path f = dir.resolve(name + "-" + version + ".json");
    Files.writeString(f, json.toString());
    return f;
  }
}
