package io.zdd.coordinator.ha;

import io.zdd.common.model.Epoch;
import io.zdd.coordinator.zk.EpochCounter;
import io.zdd.coordinator.zk.ZkPaths;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps Curator's {@link LeaderSelector}. On winning: bump the epoch (versioned write), open a
 * {@link LeaderTerm}, hold leadership until interrupted. The adapter cancels leadership on
 * SUSPENDED or LOST (Curator's standard error policy), which interrupts the term; the
 * {@code finally} closes it, so no leader work survives a doubtful connection.
 *
 * <p>Losing ZooKeeper for longer than {@code maxDisconnected} calls {@code abort} with the
 * reason: the process should stop acting and let its supervisor restart it.
 */
public final class LeadershipManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeadershipManager.class);

  private final CuratorFramework curator;
  private final String participantId;
  private final EpochCounter epochs;
  private final LeaderTerm.Factory termFactory;
  private final ScheduledExecutorService scheduler;
  private final Duration maxDisconnected;
  private final Consumer<String> abort;
  private final LeaderSelector selector;

  private volatile LeaderTerm term;
  private ScheduledFuture<?> disconnectTimer;
  private volatile boolean closed;

  public LeadershipManager(CuratorFramework curator, ZkPaths paths, String participantId,
      LeaderTerm.Factory termFactory, ScheduledExecutorService scheduler, Duration maxDisconnected,
      Consumer<String> abort) {
    this.curator = curator;
    this.participantId = participantId;
    this.epochs = new EpochCounter(curator, paths);
    this.termFactory = termFactory;
    this.scheduler = scheduler;
    this.maxDisconnected = maxDisconnected;
    this.abort = abort;
    this.selector = new LeaderSelector(curator, paths.leader(), new Listener());
    selector.setId(participantId);
    selector.autoRequeue();
  }

  public void start() {
    curator.getConnectionStateListenable().addListener((c, state) -> watchConnection(state));
    selector.start();
  }

  /** True while this process holds an open leader term. */
  public boolean isLeader() {
    return term != null;
  }

  /** The epoch of the open term, if leading. */
  public Optional<Epoch> epoch() {
    LeaderTerm t = term;
    return t == null ? Optional.empty() : Optional.of(t.epoch());
  }

  /** host:port of the current leader as ZooKeeper knows it, if any. */
  public Optional<String> leaderAddress() {
    try {
      var p = selector.getLeader();
      return p.isLeader() && !p.getId().isEmpty() ? Optional.of(p.getId()) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  public String participantId() {
    return participantId;
  }

  private synchronized void watchConnection(ConnectionState state) {
    if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
      if (disconnectTimer == null && !closed) {
        log.warn("ZooKeeper connection {}: leader work paused; giving up after {} s without it",
            state, maxDisconnected.toSeconds());
        disconnectTimer = scheduler.schedule(() -> abort.accept("ZooKeeper unreachable for more than "
            + maxDisconnected.toSeconds() + " s; stopping so a supervisor can restart this coordinator"),
            maxDisconnected.toMillis(), TimeUnit.MILLISECONDS);
      }
    } else if (state == ConnectionState.RECONNECTED || state == ConnectionState.CONNECTED) {
      if (disconnectTimer != null) {
        disconnectTimer.cancel(false);
        disconnectTimer = null;
        log.info("ZooKeeper connection {}", state);
      }
    }
  }

  private final class Listener extends LeaderSelectorListenerAdapter {
    @Override
    public void takeLeadership(CuratorFramework client) throws Exception {
      if (closed) {
        return;
      }
      Epoch epoch = epochs.bump();
      log.info("{} is now the leader with epoch {}", participantId, epoch);
      LeaderTerm t = termFactory.open(epoch);
      term = t;
      try {
        new CountDownLatch(1).await(); // hold leadership until interrupted (cancelled)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        term = null;
        log.info("{} lost leadership (epoch {}); closing the leader term", participantId, epoch);
        t.close();
      }
    }
  }

  /** Gives up leadership (if held) and stops taking part in elections. */
  @Override
  public void close() {
    closed = true;
    selector.close();
    synchronized (this) {
      if (disconnectTimer != null) {
        disconnectTimer.cancel(false);
      }
    }
  }

}
