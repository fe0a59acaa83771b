package io.zdd.coordinator.fleet;

import io.zdd.common.model.AgentId;
import io.zdd.common.model.RegisteredAgent;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agents discovered from the ephemeral znodes they register under {@code <root>/agents}. Each
 * node's data is the agent's JSON self-description; a node that cannot be parsed is skipped and
 * logged (one bad agent must not hide the others).
 */
public final class ZkAgentDirectory implements AgentDirectory {
  private static final Logger log = LoggerFactory.getLogger(ZkAgentDirectory.class);

  private final String path;
  private final CuratorCache cache;
  private final List<Consumer<Map<AgentId, AgentEndpoint>>> listeners = new CopyOnWriteArrayList<>();
  private volatile Map<AgentId, AgentEndpoint> agents = Map.of();

  public ZkAgentDirectory(CuratorFramework curator, String rootPath) {
    this.path = rootPath + "/agents";
    this.cache = CuratorCache.build(curator, path);
    cache.listenable().addListener(new org.apache.curator.framework.recipes.cache.CuratorCacheListener() {
      @Override
      public void event(Type type, ChildData oldData, ChildData data) {
        refresh();
      }

      @Override
      public void initialized() {
        refresh();
      }
    });
  }

  public void start() {
    cache.start();
  }

  private synchronized void refresh() {
    Map<AgentId, AgentEndpoint> next = new TreeMap<>();
    cache.stream()
        .filter(d -> d.getPath().startsWith(path + "/") && d.getPath().indexOf('/', path.length() + 1) < 0)
        .forEach(d -> {
          try {
            AgentEndpoint e = parse(d.getData());
            String node = d.getPath().substring(path.length() + 1);
            // A node may only speak for the agent it is named after (its ACL belongs to that agent).
            if (!node.equals(e.id().value())) {
              throw new IllegalArgumentException("node " + node + " claims to be agent " + e.id());
            }
            next.put(e.id(), e);
          } catch (Exception ex) {
            log.warn("ignoring agent registration {}: {}", d.getPath(), ex.getMessage());
          }
        });
    Map<AgentId, AgentEndpoint> copy = Map.copyOf(next);
    if (!copy.equals(agents)) {
      log.info("agents now: {}", copy.keySet());
      agents = copy;
      listeners.forEach(l -> l.accept(copy));
    }
  }

  /** One registration, as the agent wrote it ({@link RegisteredAgent}, shared with the agent). */
  static AgentEndpoint parse(byte[] data) {
    return AgentEndpoint.of(RegisteredAgent.fromJson(data));
  }

  @Override
  public Map<AgentId, AgentEndpoint> agents() {
    return agents;
  }

  @Override
  public void addListener(Consumer<Map<AgentId, AgentEndpoint>> listener) {
    listeners.add(listener);
    listener.accept(agents);
  }

  @Override
  public void close() {
    cache.close();
  }
}
