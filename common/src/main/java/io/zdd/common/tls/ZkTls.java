package io.zdd.common.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ZooKeeper over TLS with the process's own identity: the client presents the same certificate
 * as on gRPC and trusts the same cluster CA (the ZooKeeper servers need certificates of that CA,
 * with their host names or addresses, and {@code ssl.clientAuth=need}). ZooKeeper reads a key and
 * its chain from one PEM file, so a private copy (mode 0600, deleted on exit) joins them. The
 * material is read when a connection is made; a rotation applies from the next reconnect.
 */
public final class ZkTls {
  private ZkTls() {}

  /** The ZooKeeper client properties (for {@code ZKClientConfig.setProperty}). */
  public static Map<String, String> clientProperties(TlsConfig tls) throws IOException {
    Path joined = Files.createTempFile("zdd-zk-identity", ".pem",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    joined.toFile().deleteOnExit();
    Files.writeString(joined, Files.readString(tls.key(), StandardCharsets.US_ASCII)
        + Files.readString(tls.certificate(), StandardCharsets.US_ASCII), StandardCharsets.US_ASCII);
    Map<String, String> c = new LinkedHashMap<>();
    c.put("zookeeper.client.secure", "true");
    c.put("zookeeper.clientCnxnSocket", "org.apache.zookeeper.ClientCnxnSocketNetty");
    c.put("zookeeper.ssl.keyStore.location", joined.toString());
    c.put("zookeeper.ssl.keyStore.type", "PEM");
    c.put("zookeeper.ssl.trustStore.location", tls.ca().toString());
    c.put("zookeeper.ssl.trustStore.type", "PEM");
    c.put("zookeeper.ssl.enabledProtocols", tls.allowTls12() ? "TLSv1.3,TLSv1.2" : "TLSv1.3");
    return c;
  }
}
