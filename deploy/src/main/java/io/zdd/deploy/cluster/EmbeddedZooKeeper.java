package io.zdd.deploy.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

/** A single ZooKeeper server in this JVM (ZooKeeper's own {@link ZooKeeperServerEmbedded}). */
public final class EmbeddedZooKeeper implements AutoCloseable {
  private final ZooKeeperServerEmbedded server;
  private final int port;

  public EmbeddedZooKeeper(Path dir) throws Exception {
    Files.createDirectories(dir);
    this.port = FreePorts.next();
    Properties p = new Properties();
    p.setProperty("clientPort", Integer.toString(port));
    p.setProperty("clientPortAddress", "127.0.0.1");
    p.setProperty("tickTime", "500");
    p.setProperty("initLimit", "10");
    p.setProperty("syncLimit", "5");
    p.setProperty("admin.enableServer", "false");
    p.setProperty("maxSessionTimeout", "60000");
    p.setProperty("minSessionTimeout", "1000");
    this.server = ZooKeeperServerEmbedded.builder()
        .baseDir(dir)
        .configuration(p)
        .exitHandler(ExitHandler.LOG_ONLY)
        .build();
  }

  public void start() throws Exception {
    server.start(30_000);
  }

  public String connectString() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    server.close();
  }
}
