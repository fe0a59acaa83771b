package io.zdd.agent.registry;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * An agent's ZooKeeper identities when digest authentication is on. It signs in twice: with the
 * agents' shared identity ({@code --zk-digest-file}), which the coordinators allow to create
 * children of {@code <root>/agents} and to read the leader epoch, and with an identity of its own,
 * {@code agent-<id>} with a secret drawn at start and never stored, which alone may change or
 * remove its registration node. Another agent can therefore read that node but never write it.
 * The agent creates nothing else (the coordinators prepare the parents).
 */
public final class AgentZkAcls implements ACLProvider {
  private final String ownNode;
  private final String ownCredentials;
  private final List<ACL> ownNodeAcl;

  public AgentZkAcls(String root, String agentId) {
    this.ownNode = ZKPaths.makePath(root, "agents", agentId);
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    this.ownCredentials = "agent-" + agentId + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    try {
      this.ownNodeAcl = acl(
          new ACL(ZooDefs.Perms.ALL, new Id("digest", DigestAuthenticationProvider.generateDigest(ownCredentials))),
          // Registrations are not secret (address, version, groups); anyone may read them.
          new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required for ZooKeeper digest ACLs", e);
    }
  }

  /** Signs the client in with the shared agents' identity and this agent's own one. */
  public CuratorFrameworkFactory.Builder applyTo(CuratorFrameworkFactory.Builder b, String sharedCredentials) {
    return b.authorization(List.of(
            new org.apache.curator.framework.AuthInfo("digest", sharedCredentials.getBytes(StandardCharsets.UTF_8)),
            new org.apache.curator.framework.AuthInfo("digest", ownCredentials.getBytes(StandardCharsets.UTF_8))))
        .aclProvider(this);
  }

  @Override
  public List<ACL> getDefaultAcl() {
    return ownNodeAcl;
  }

  @Override
  public List<ACL> getAclForPath(String path) {
    return ownNodeAcl;
  }

  String ownNode() {
    return ownNode;
  }

  /** ZooKeeper asks {@code contains(null)} of ACL lists, which {@code List.of} answers with an exception. */
  private static List<ACL> acl(ACL... entries) {
    return Collections.unmodifiableList(new ArrayList<>(Arrays.asList(entries)));
  }
}
