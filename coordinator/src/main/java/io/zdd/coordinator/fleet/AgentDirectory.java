package io.zdd.coordinator.fleet;

import java.util.Map;
import java.util.function.Consumer;
import io.zdd.common.model.AgentId;

/** The set of agents the coordinator should talk to; changes are pushed to listeners. */
public interface AgentDirectory extends AutoCloseable {
  /** Current agents by id. */
  Map<AgentId, AgentEndpoint> agents();

  /** Called with the full new map after every change (and once with the current map). */
  void addListener(Consumer<Map<AgentId, AgentEndpoint>> listener);

  @Override
  void close();
}
