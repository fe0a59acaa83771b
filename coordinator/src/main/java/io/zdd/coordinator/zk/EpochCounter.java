package io.zdd.coordinator.zk;

import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.Epoch;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The leader epoch in ZooKeeper. {@link #bump()} is a compare-and-set on the znode version, so
 * two coordinators that both believe they lead can never obtain the same epoch.
 */
public final class EpochCounter {
  private final CuratorFramework curator;
  private final String path;

  public EpochCounter(CuratorFramework curator, ZkPaths paths) {
    this.curator = curator;
    this.path = paths.epoch();
  }

  /** The stored epoch, {@link Epoch#ZERO} when none was ever written. */
  public Epoch read() {
    try {
      return Epoch.of(Long.parseLong(new String(curator.getData().forPath(path), StandardCharsets.UTF_8).trim()));
    } catch (KeeperException.NoNodeException e) {
      return Epoch.ZERO;
    } catch (Exception e) {
      throw new UnavailableException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /** Increments the epoch with a versioned write and returns the new value. */
  public Epoch bump() {
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        Stat stat = new Stat();
        long current;
        try {
          current = Long.parseLong(new String(curator.getData().storingStatIn(stat).forPath(path), StandardCharsets.UTF_8).trim());
        } catch (KeeperException.NoNodeException e) {
          try {
            curator.create().creatingParentsIfNeeded().forPath(path, bytes(1));
            return Epoch.of(1);
          } catch (KeeperException.NodeExistsException raced) {
            pause(attempt);
            continue;
          }
        }
        long next = current + 1;
        curator.setData().withVersion(stat.getVersion()).forPath(path, bytes(next));
        return Epoch.of(next);
      } catch (KeeperException.BadVersionException raced) {
        // Another coordinator bumped between our read and write: read again after a short random
        // pause, so contending bumpers spread out instead of colliding in lockstep.
        pause(attempt);
      } catch (Exception e) {
        throw new UnavailableException("cannot bump " + path + ": " + e.getMessage(), e);
      }
    }
    throw new UnavailableException("gave up bumping " + path + " after 20 conflicting writes");
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 5L * (attempt + 1) + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while bumping the epoch", e);
    }
  }

  private static byte[] bytes(long v) {
    return Long.toString(v).getBytes(StandardCharsets.UTF_8);
  }
}
