package io.zdd.common.zk;

import java.time.Duration;
import java.util.Map;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * The one way a zdd process builds its ZooKeeper client: the same retry policy and connection
 * bound for coordinators and agents. Callers add their identity and ACLs (their own
 * {@code applyTo}) and build.
 */
public final class ZkClients {
  /** Retries of one ZooKeeper operation: 200 ms doubling to 5 s, 10 times. */
  private static final int BASE_SLEEP_MS = 200;
  private static final int MAX_RETRIES = 10;
  private static final int MAX_SLEEP_MS = 5_000;
  /** The longest a (re)connection attempt may take before an operation fails, below the session timeout. */
  private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

  private ZkClients() {}

  /**
   * @param tlsProperties ZooKeeper client TLS properties (empty: plaintext)
   */
  public static CuratorFrameworkFactory.Builder builder(String connect, Duration sessionTimeout,
      Map<String, String> tlsProperties) {
    CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
        .connectString(connect)
        .sessionTimeoutMs((int) sessionTimeout.toMillis())
        .connectionTimeoutMs((int) Math.min(sessionTimeout.toMillis(), CONNECTION_TIMEOUT.toMillis()))
        .retryPolicy(new ExponentialBackoffRetry(BASE_SLEEP_MS, MAX_RETRIES, MAX_SLEEP_MS));
    if (!tlsProperties.isEmpty()) {
      ZKClientConfig zc = new ZKClientConfig();
      tlsProperties.forEach(zc::setProperty);
      b.zkClientConfig(zc);
    }
    return b;
  }
}
