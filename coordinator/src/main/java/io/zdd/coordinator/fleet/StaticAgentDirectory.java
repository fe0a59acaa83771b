package io.zdd.coordinator.fleet;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.AgentId;
import io.zdd.coordinator.engine.LbGroups;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** A fixed list of agents, from the command line: {@code id=host:port,id2=host:port}. */
public final class StaticAgentDirectory implements AgentDirectory {
  private final Map<AgentId, AgentEndpoint> agents;

  public StaticAgentDirectory(List<AgentEndpoint> endpoints) {
    Map<AgentId, AgentEndpoint> m = new LinkedHashMap<>();
    for (AgentEndpoint e : endpoints) {
      if (m.put(e.id(), e) != null) {
        throw new InvalidInputException("agents", "agent id " + e.id() + " is listed twice");
      }
    }
    this.agents = Map.copyOf(m);
  }

  /** Parses {@code id=host:port} entries separated by commas. */
  public static StaticAgentDirectory parse(String spec) {
    List<AgentEndpoint> list = new ArrayList<>();
    for (String part : spec.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new InvalidInputException("agents", "expected id=host:port, got '" + p + "'");
      }
      list.add(new AgentEndpoint(AgentId.of(p.substring(0, eq)), p.substring(eq + 1), "",
          List.of(LbGroups.WILDCARD), List.of()));
    }
    return new StaticAgentDirectory(list);
  }

  @Override
  public Map<AgentId, AgentEndpoint> agents() {
    return agents;
  }

  @Override
  public void addListener(Consumer<Map<AgentId, AgentEndpoint>> listener) {
    listener.accept(agents);
  }

  @Override
  public void close() {}
}
