package io.zdd.deploy.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

/** A single ZooKeeper server in this JVM (ZooKeeper's own {@link ZooKeeperServerEmbedded}). */
public final class EmbeddedZooKeeper implements AutoCloseable {
  /** Connections ZooKeeper accepts from one address: room for a 500-LB local cluster. */
  public static final int MAX_CONNECTIONS_PER_ADDRESS = 2000;
  private final ZooKeeperServerEmbedded server;
  private final int port;

  /** A plain ZooKeeper. */
  public EmbeddedZooKeeper(Path dir) throws Exception {
    this(dir, Optional.empty());
  }

  /**
   * With {@code tls}, the only client port is a TLS one that requires a client certificate of the
   * same CA; {@code tls} is the server's key and certificate in one PEM file plus the CA.
   */
  public EmbeddedZooKeeper(Path dir, Optional<ServerTls> tls) throws Exception {
    Files.createDirectories(dir);
    this.port = FreePorts.next();
    Properties p = new Properties();
    if (tls.isPresent()) {
      p.setProperty("secureClientPort", Integer.toString(port));
      p.setProperty("secureClientPortAddress", "127.0.0.1");
      p.setProperty("serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
      p.setProperty("ssl.keyStore.location", tls.get().keyAndCertificatePem().toString());
      p.setProperty("ssl.keyStore.type", "PEM");
      p.setProperty("ssl.trustStore.location", tls.get().ca().toString());
      p.setProperty("ssl.trustStore.type", "PEM");
      p.setProperty("ssl.clientAuth", "need");
      // zdd's peers are identified by certificate identity, not by the host they connect from.
      p.setProperty("ssl.clientHostnameVerification", "false");
      p.setProperty("ssl.enabledProtocols", "TLSv1.3");
    } else {
      p.setProperty("clientPort", Integer.toString(port));
      p.setProperty("clientPortAddress", "127.0.0.1");
    }
    p.setProperty("tickTime", "500");
    p.setProperty("initLimit", "10");
    p.setProperty("syncLimit", "5");
    p.setProperty("admin.enableServer", "false");
    p.setProperty("maxSessionTimeout", "60000");
    // Every component of the local cluster connects from 127.0.0.1, and each agent holds its own
    // session: ZooKeeper's default of 60 connections per address stopped a 100-LB cluster.
    p.setProperty("maxClientCnxns", Integer.toString(MAX_CONNECTIONS_PER_ADDRESS));
    p.setProperty("minSessionTimeout", "1000");
    this.server = ZooKeeperServerEmbedded.builder()
        .baseDir(dir)
        .configuration(p)
        .exitHandler(ExitHandler.LOG_ONLY)
        .build();
  }

  /** The server's key and certificate (one PEM file) and the CA its clients' certificates chain to. */
  public record ServerTls(Path keyAndCertificatePem, Path ca) {}

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
