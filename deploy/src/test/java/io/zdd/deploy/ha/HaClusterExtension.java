package io.zdd.deploy.ha;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The high-availability set-up the failure tests share: an {@link HaCluster} (a three-server
 * ZooKeeper ensemble, LBs with real HAProxy, coordinators, the local Marathon) and a
 * {@link MarathonKillRecorder} on it, started before a class's tests and stopped after them.
 */
final class HaClusterExtension implements BeforeAllCallback, AfterAllCallback {
  private final int agents;
  private final int coordinators;
  private final Duration sessionTimeout;
  private Path work;
  private HaCluster ha;
  private MarathonKillRecorder kills;

  HaClusterExtension(int agents, int coordinators, Duration sessionTimeout) {
    this.agents = agents;
    this.coordinators = coordinators;
    this.sessionTimeout = sessionTimeout;
  }

  HaCluster ha() {
    return ha;
  }

  MarathonKillRecorder kills() {
    return kills;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    work = Files.createTempDirectory("zdd-ha-");
    ha = HaCluster.start(work, agents, coordinators, sessionTimeout);
    kills = new MarathonKillRecorder(ha.cluster.marathonUrl());
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (kills != null) {
      kills.close();
    }
    if (ha != null) {
      ha.close();
    }
    try (Stream<Path> files = Files.walk(work)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
