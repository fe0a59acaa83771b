package io.zdd.coordinator.zk;

import io.zdd.common.error.StaleEpochException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.DeploymentRecordCodec;
import io.zdd.coordinator.engine.port.DeploymentStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * Deployment records in ZooKeeper: the current record of each group at
 * {@code <root>/deployments/<group>} and a bounded history at {@code <root>/history/<group>/…}.
 *
 * <p>Every write is fenced by the epoch: it runs in a ZooKeeper transaction with a version check
 * on {@code <root>/epoch}. The epoch znode's version moves with each bump (version = epoch - 1),
 * so a deposed leader whose epoch is no longer current cannot overwrite the new leader's record.
 */
public final class ZkDeploymentStore implements DeploymentStore {
  private final CuratorFramework curator;
  private final ZkPaths paths;
  private final int historyLimit;

  public ZkDeploymentStore(CuratorFramework curator, ZkPaths paths, int historyLimit) {
    this.curator = curator;
    this.paths = paths;
    this.historyLimit = historyLimit;
  }

  /** {epoch, znode version} of the epoch counter as last read for a write; see {@link #epochCheck}. */
  private final AtomicReference<long[]> fence = new AtomicReference<>();

  @Override
  public void save(DeploymentRecord record) {
    String path = paths.deployment(record.group());
    byte[] data = write(record);
    try {
      ensureParent(paths.deployments());
      boolean exists = curator.checkExists().forPath(path) != null;
      var op = curator.transactionOp();
      curator.transaction().forOperations(
          epochCheck(record.epoch()),
          exists ? op.setData().forPath(path, data) : op.create().forPath(path, data));
    } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
      throw new StaleEpochException(record.epoch(), currentEpoch());
    } catch (KeeperException.NodeExistsException e) {
      save(record); // raced with our own earlier create; the next attempt uses setData
    } catch (Exception e) {
      throw new UnavailableException("cannot save deployment record " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<DeploymentRecord> load(GroupName group) {
    try {
      return Optional.of(read(curator.getData().forPath(paths.deployment(group))));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw new UnavailableException("cannot read deployment record of " + group + ": " + e.getMessage(), e);
    }
  }

  /** Groups that have a current record. */
  public List<GroupName> groups() {
    try {
      return curator.getChildren().forPath(paths.deployments()).stream().sorted().map(GroupName::of).toList();
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    } catch (Exception e) {
      throw new UnavailableException("cannot list deployments: " + e.getMessage(), e);
    }
  }

  @Override
  public void appendHistory(DeploymentRecord record) {
    String dir = paths.history(record.group());
    // Zero-padded start time first, so the children sort oldest first.
    String name = String.format("%015d-%s", record.startedAt() == null ? 0 : record.startedAt().toEpochMilli(), record.id());
    try {
      ensureParent(dir);
      if (curator.checkExists().forPath(dir + "/" + name) == null) {
        curator.transaction().forOperations(epochCheck(record.epoch()),
            curator.transactionOp().create().forPath(dir + "/" + name, write(record)));
      }
      List<String> children = new ArrayList<>(curator.getChildren().forPath(dir));
      children.sort(null);
      for (int i = 0; i < children.size() - historyLimit; i++) {
        curator.delete().quietly().forPath(dir + "/" + children.get(i));
      }
    } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
      throw new StaleEpochException(record.epoch(), currentEpoch());
    } catch (Exception e) {
      throw new UnavailableException("cannot append history of " + record.group() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<DeploymentRecord> history(GroupName group) {
    String dir = paths.history(group);
    try {
      List<String> children = new ArrayList<>(curator.getChildren().forPath(dir));
      children.sort(null);
      List<DeploymentRecord> out = new ArrayList<>();
      for (String c : children) {
        try {
          out.add(read(curator.getData().forPath(dir + "/" + c)));
        } catch (KeeperException.NoNodeException trimmed) {
          // Trimmed between list and read.
        }
      }
      return out;
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    } catch (Exception e) {
      throw new UnavailableException("cannot read history of " + group + ": " + e.getMessage(), e);
    }
  }

  /**
   * The transaction step that fences a write on {@code epoch}: the epoch znode must still hold
   * that value with the version it had when it was read here. The version is read (once per epoch)
   * rather than derived from the value, so a restored counter (set to any value, any version) still
   * fences correctly. A record of an epoch that is not the current one is refused at once.
   */
  private org.apache.curator.framework.api.transaction.CuratorOp epochCheck(long epoch) throws Exception {
    return curator.transactionOp().check().withVersion(versionOf(epoch)).forPath(paths.epoch());
  }

  private int versionOf(long epoch) throws Exception {
    long[] cached = fence.get();
    if (cached != null && cached[0] == epoch) {
      return (int) cached[1];
    }
    org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
    long current = Long.parseLong(new String(curator.getData().storingStatIn(stat).forPath(paths.epoch()),
        StandardCharsets.UTF_8).trim());
    if (current != epoch) {
      throw new KeeperException.BadVersionException(paths.epoch());
    }
    fence.set(new long[] {epoch, stat.getVersion()});
    return stat.getVersion();
  }

  private long currentEpoch() {
    return new EpochCounter(curator, paths).read().value();
  }

  private void ensureParent(String path) throws Exception {
    try {
      curator.create().creatingParentsIfNeeded().forPath(path);
    } catch (KeeperException.NodeExistsException ignored) {
      // Already there.
    }
  }

  private static byte[] write(DeploymentRecord r) {
    return DeploymentRecordCodec.toJson(r).getBytes(StandardCharsets.UTF_8);
  }

  private static DeploymentRecord read(byte[] data) {
    return DeploymentRecordCodec.fromJson(new String(data, StandardCharsets.UTF_8));
  }
}
