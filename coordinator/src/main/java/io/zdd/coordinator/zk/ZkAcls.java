package io.zdd.coordinator.zk;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * The ACLs of zdd's znodes with ZooKeeper digest authentication: two identities, coordinators
 * and agents. Everything is the coordinators' alone (deployment records hold app definitions,
 * the leader latch, the epoch) except: agents may read the leader epoch (their fence's ceiling)
 * and create their registration under {@code <root>/agents}. Each registration node belongs to
 * the agent that created it (see the agent's own ACLs); the coordinators read them.
 */
public final class ZkAcls implements ACLProvider {
  private final ZkPaths paths;
  private final List<ACL> coordinatorsOnly;
  private final List<ACL> epoch;
  private final List<ACL> agentsParent;

  /**
   * @param coordinator the coordinators' {@code user:password}
   * @param agents the agents' shared {@code user:password} (only its digest is used here)
   */
  public ZkAcls(ZkPaths paths, String coordinator, String agents) {
    this.paths = paths;
    Id c = digest(coordinator);
    Id a = digest(agents);
    this.coordinatorsOnly = acl(new ACL(ZooDefs.Perms.ALL, c));
    this.epoch = acl(new ACL(ZooDefs.Perms.ALL, c), new ACL(ZooDefs.Perms.READ, a));
    this.agentsParent = acl(new ACL(ZooDefs.Perms.ALL, c), new ACL(ZooDefs.Perms.CREATE, a));
  }

  private static Id digest(String userPassword) {
    try {
      return new Id("digest", DigestAuthenticationProvider.generateDigest(userPassword));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required for ZooKeeper digest ACLs", e);
    }
  }

  /** Signs the client in as the coordinators and makes every node it creates follow these ACLs. */
  public CuratorFrameworkFactory.Builder applyTo(CuratorFrameworkFactory.Builder b, String coordinator) {
    return b.authorization("digest", coordinator.getBytes(StandardCharsets.UTF_8)).aclProvider(this);
  }

  @Override
  public List<ACL> getDefaultAcl() {
    return coordinatorsOnly;
  }

  @Override
  public List<ACL> getAclForPath(String path) {
    if (path.equals(paths.epoch())) {
      return epoch;
    }
    if (path.equals(paths.agents())) {
      return agentsParent;
    }
    return coordinatorsOnly;
  }

  /** ZooKeeper asks {@code contains(null)} of ACL lists, which {@code List.of} answers with an exception. */
  private static List<ACL> acl(ACL... entries) {
    return Collections.unmodifiableList(new ArrayList<>(Arrays.asList(entries)));
  }
}
