package io.zdd.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.zdd.agent.AgentMain;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.fleet.AgentClient;
import io.zdd.deploy.cluster.LocalCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * "LB state equals the records after convergence": once every deployment has ended and every
 * fault is healed, each LB of an app's Marathon-LB group routes (weight above 0) to exactly the
 * app's running tasks, and no other LB has the app at all.
 */
final class SteadyStateCheck {
  private final LocalCluster cluster;
  private final IntFunction<List<String>> lbGroupsOfAgent;

  SteadyStateCheck(LocalCluster cluster, IntFunction<List<String>> lbGroupsOfAgent) {
    this.cluster = cluster;
    this.lbGroupsOfAgent = lbGroupsOfAgent;
  }

  /** Mismatches for these apps, empty when every LB agrees with Marathon. */
  Map<String, String> mismatches(List<SoakApp> apps) {
    Map<String, String> out = new TreeMap<>();
    JsonNode tasks = cluster.marathon().listTasks(Set.of("running")).path("tasks");
    List<AgentMain.Running> agents = cluster.agents();
    for (int i = 0; i < agents.size(); i++) {
      AgentMain.Running agent = agents.get(i);
      List<String> lbGroups = lbGroupsOfAgent.apply(i + 1);
      Map<String, Set<Integer>> routed = routedPorts(agent);
      for (SoakApp app : apps) {
        Set<Integer> expected = lbGroups.contains(app.lbGroup()) ? runningPorts(tasks, app) : Set.of();
        Set<Integer> actual = routed.getOrDefault(app.name(), Set.of());
        if (!expected.equals(actual)) {
          out.put(app.name() + "@" + agent.agentId(), "routes to ports " + actual + ", Marathon runs " + expected);
        }
      }
    }
    return out;
  }

  private Map<String, Set<Integer>> routedPorts(AgentMain.Running agent) {
    ManagedChannel ch = cluster.agentChannel(agent, SpiffeId.Role.OPERATOR, "soak");
    try {
      Map<String, Set<Integer>> out = new TreeMap<>();
      for (ObservedBackend b : new AgentClient(agent.agentId(), ch, Duration.ofSeconds(5)).state().backends()) {
        Set<Integer> ports = out.computeIfAbsent(b.group().value(), g -> new TreeSet<>());
        b.servers().stream().filter(s -> s.weight() > 0).map(ObservedServer::port).forEach(ports::add);
      }
      return out;
    } finally {
      ch.shutdownNow();
    }
  }

  private static Set<Integer> runningPorts(JsonNode tasks, SoakApp app) {
    Set<Integer> ports = new TreeSet<>();
    for (JsonNode t : tasks) {
      if (app.owns(t.path("appId").asText())) {
        ports.add(t.path("ports").path(0).asInt());
      }
    }
    return ports;
  }
}
