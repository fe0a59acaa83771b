package io.zdd.common.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension running a real ZooKeeper ({@link TestingServer}) for a test class. Register
 * it as a static field; {@link #newClient()} gives started Curator clients that are closed after
 * each test. Session trouble is simulated with {@link #server()}'s {@code stop()}/{@code restart()}.
 */
public final class ZooKeeperExtension implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
  /** Short so session-expiry tests do not wait long. */
  public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(4);

  private TestingServer server;
  private final List<CuratorFramework> clients = new ArrayList<>();

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = new TestingServer(true);
  }

  public TestingServer server() {
    return server;
  }

  public String connectString() {
    return server.getConnectString();
  }

  /** A started client with a short session timeout; closed after the current test. */
  public CuratorFramework newClient() {
    CuratorFramework c = CuratorFrameworkFactory.builder()
        .connectString(server.getConnectString())
        .sessionTimeoutMs((int) SESSION_TIMEOUT.toMillis())
        .connectionTimeoutMs(3000)
        .retryPolicy(new ExponentialBackoffRetry(100, 3))
        .build();
    c.start();
    clients.add(c);
    return c;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    clients.forEach(CuratorFramework::close);
    clients.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (server != null) {
      server.close();
    }
  }
}
