package io.zdd.agent.registry;

import io.zdd.common.model.RegisteredAgent;
import io.zdd.common.error.UnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's ephemeral znode {@code <root>/agents/<agentId>} holding {@link RegisteredAgent} as JSON.
 * Curator's {@link PersistentNode} in EPHEMERAL mode recreates the node after the session is
 * lost and comes back, so the agent re-registers without any code here; closing deletes it.
 */
public final class AgentRegistration implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentRegistration.class);

  private final CuratorFramework curator;
  private final String path;
  private final Duration createTimeout;
  private final boolean parentsByCoordinators;
  private RegisteredAgent info;
  private PersistentNode node;

  /**
   * @param parentsByCoordinators with ZooKeeper ACLs the coordinators create {@code <root>/agents}
   *     (and set who may create in it); the agent then never creates a parent itself
   */
  public AgentRegistration(CuratorFramework curator, String root, RegisteredAgent info, Duration createTimeout,
      boolean parentsByCoordinators) {
    this.curator = curator;
    this.path = ZKPaths.makePath(root, "agents", info.agentId());
    this.info = info;
    this.createTimeout = createTimeout;
    this.parentsByCoordinators = parentsByCoordinators;
  }

  /** The node's path, e.g. {@code /zdd/agents/lb-1}. */
  public String path() {
    return path;
  }

  /** Creates the node and waits (bounded) for the first create to succeed. */
  public synchronized void start() throws InterruptedException {
    if (node != null) {
      return;
    }
    node = new PersistentNode(curator, CreateMode.EPHEMERAL, false, path, encode(info), !parentsByCoordinators);
    node.start();
    if (!node.waitForInitialCreate(createTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
      // Keep the node object: it keeps trying in the background and registers once ZK is back.
      log.warn("registration {} not created within {}; retrying in the background", path, createTimeout);
      return;
    }
    log.info("registered as {}: {}", path, info);
  }

  /** Publishes new content (e.g. the served groups changed); a no-op when nothing changed. */
  public synchronized void update(RegisteredAgent newInfo) {
    if (newInfo.equals(info)) {
      return;
    }
    info = newInfo;
    if (node == null) {
      return;
    }
    try {
      node.setData(encode(newInfo));
      log.info("registration {} updated: {}", path, newInfo);
    } catch (Exception e) {
      // PersistentNode keeps the new data and writes it when the node is recreated.
      throw new UnavailableException("cannot update " + path + ": " + e.getMessage(), e);
    }
  }

  public synchronized RegisteredAgent info() {
    return info;
  }

  static byte[] encode(RegisteredAgent info) {
    return info.toJson();
  }

  public static RegisteredAgent decode(byte[] json) {
    return RegisteredAgent.fromJson(json);
  }

  /** How long closing may wait for ZooKeeper to delete the node; the session's end removes it anyway. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);

  /**
   * Deletes the node, waiting at most {@link #CLOSE_TIMEOUT}: with ZooKeeper unreachable Curator
   * keeps retrying the delete, and a stopping agent must not wait on that (the ephemeral node goes
   * with the session when the client closes, or when ZooKeeper expires it).
   */
  @Override
  public synchronized void close() {
    if (node == null) {
      return;
    }
    PersistentNode closing = node;
    node = null;
    Thread t = new Thread(() -> {
      try {
        closing.close();
      } catch (IOException e) {
        log.warn("could not delete {} cleanly; it goes away with the session", path, e);
      }
    }, "registration-close");
    t.setDaemon(true);
    t.start();
    try {
      t.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      log.warn("ZooKeeper did not confirm deleting {} within {}; it goes away with the session", path, CLOSE_TIMEOUT);
    } else {
      log.info("unregistered {}", path);
    }
  }
}
