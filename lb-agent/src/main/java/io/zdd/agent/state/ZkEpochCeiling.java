package io.zdd.agent.state;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.Epoch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ceiling read from the coordinators' epoch counter in ZooKeeper (decimal text, bumped by
 * every new leader). Only an epoch above the highest seen so far costs a read, and that read is
 * preceded by a {@code sync}, so a leader that bumped the counter a moment ago is never refused
 * because this agent's ZooKeeper server lagged. Bounded by {@code deadline}.
 */
public final class ZkEpochCeiling implements EpochCeiling {
  private static final Logger log = LoggerFactory.getLogger(ZkEpochCeiling.class);

  private final CuratorFramework curator;
  private final String path;
  private final Duration deadline;
  private final AtomicLong issued = new AtomicLong();

  public ZkEpochCeiling(CuratorFramework curator, String path, Duration deadline) {
    this.curator = curator;
    this.path = path;
    this.deadline = deadline;
  }

  @Override
  public void check(Epoch epoch) {
    if (epoch.value() <= issued.get()) {
      return;
    }
    long current = issued.accumulateAndGet(read(), Math::max);
    if (epoch.value() > current) {
      log.warn("refused epoch {}: the cluster has issued epochs up to {} ({})", epoch, current, path);
      throw new InvalidInputException("epoch", "epoch " + epoch + " was never issued: the highest leader epoch in "
          + "ZooKeeper is " + current);
    }
  }

  @Override
  public Epoch current() {
    long now = read();
    issued.accumulateAndGet(now, Math::max);
    return Epoch.of(now);
  }

  private long read() {
    try {
      CompletableFuture<Void> synced = new CompletableFuture<>();
      curator.sync().inBackground((client, event) -> synced.complete(null)).forPath(path);
      synced.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      CompletableFuture<CuratorEvent> read = new CompletableFuture<>();
      curator.getData().inBackground((client, event) -> read.complete(event)).forPath(path);
      CuratorEvent event = read.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
      if (code == KeeperException.Code.NONODE) {
        return 0;
      }
      if (code != KeeperException.Code.OK) {
        throw new UnavailableException("cannot read the leader epoch from ZooKeeper (" + path + "): " + code);
      }
      return Long.parseLong(new String(event.getData(), StandardCharsets.US_ASCII).trim());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted reading the leader epoch from " + path, e);
    } catch (TimeoutException e) {
      throw new UnavailableException("ZooKeeper did not answer for the leader epoch (" + path + ") within "
          + deadline.toMillis() + " ms", e);
    } catch (UnavailableException e) {
      throw e;
    } catch (Exception e) {
      throw new UnavailableException("cannot read the leader epoch from ZooKeeper (" + path + "): " + e.getMessage(), e);
    }
  }
}
