package io.zdd.agent.state;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.StaleEpochException;
import io.zdd.common.error.StaleVersionException;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's fencing memory, kept in its data dir so it survives restarts: the highest leader
 * epoch accepted, and per group the (epoch, version) of the last backend set admitted. A command
 * from an older epoch is refused (a deposed leader cannot change this load balancer); within one
 * epoch an older version than the one admitted is refused; a newer epoch starts a new order
 * because a new leader's version counter may restart.
 *
 * <p>Callers check, act, then commit: {@code check} records nothing, so a command refused by
 * the fence or failing while it acts moves nothing; {@code commit} is written (temp file, fsync,
 * atomic rename) before it returns and never lowers the highest epoch. The agent's config file
 * carries the epoch of every group's set as well ({@link #recover}), which covers a crash between
 * acting and committing.
 *
 * <p>An epoch above the highest accepted is admitted only if the cluster has issued it
 * ({@link EpochCeiling}): a caller cannot push the fence beyond every real leader and lock them
 * all out. A version may not run more than {@link #MAX_VERSION_STEP} ahead of the group's last
 * one, for the same reason. Thread-safe.
 */
public final class EpochStore {
  private static final Logger log = LoggerFactory.getLogger(EpochStore.class);
  static final String FILE = "epoch-state";
  /** How far one backend set's version may run ahead of the group's last admitted one. */
  public static final long MAX_VERSION_STEP = 1_000_000;

  /** The (epoch, version) last admitted for one group. */
  public record Applied(Epoch epoch, long version) {}

  private final Path file;
  private final EpochCeiling ceiling;
  private Epoch highest = Epoch.ZERO;
  private final Map<GroupName, Applied> applied = new TreeMap<>();

  private EpochStore(Path file, EpochCeiling ceiling) {
    this.file = file;
    this.ceiling = ceiling;
  }

  /** Loads the store from {@code dataDir}, with no ceiling (an agent without ZooKeeper, tests). */
  public static EpochStore open(Path dataDir) {
    return open(dataDir, EpochCeiling.NONE);
  }

  /** Loads the store from {@code dataDir} (empty when the agent never accepted anything). */
  public static EpochStore open(Path dataDir, EpochCeiling ceiling) {
    EpochStore s = new EpochStore(dataDir.resolve(FILE), ceiling);
    s.load();
    log.info("highest accepted epoch {} (from {})", s.highest, s.file);
    return s;
  }

  /** The leader epoch the cluster holds now (ZooKeeper's), read fresh through the ceiling. */
  public Epoch clusterEpoch() {
    return ceiling.current();
  }

  public synchronized Epoch highest() {
    return highest;
  }

  /**
   * Checks a command's epoch without recording anything: the first half of "check, act, commit"
   * for commands that must change nothing when they are refused.
   *
   * @throws StaleEpochException when {@code epoch} is lower than the highest accepted
   */
  public void check(Epoch epoch) {
    Epoch known;
    synchronized (this) {
      known = highest;
    }
    if (epoch.isOlderThan(known)) {
      throw new StaleEpochException(epoch.value(), known.value());
    }
    // Outside the monitor: the ceiling may ask ZooKeeper (once per new leader term).
    if (epoch.compareTo(known) > 0) {
      ceiling.check(epoch);
    }
  }

  /**
   * Checks a backend set's (epoch, version) against what was admitted for {@code group}, without
   * recording anything.
   *
   * @throws StaleEpochException for an old epoch
   * @throws StaleVersionException for an old version within the same epoch
   */
  public void check(GroupName group, Epoch epoch, long version) {
    check(epoch);
    Applied before;
    synchronized (this) {
      before = applied.get(group);
    }
    if (before != null && epoch.isOlderThan(before.epoch())) {
      throw new StaleEpochException(epoch.value(), before.epoch().value());
    }
    if (before != null && before.epoch().equals(epoch) && version < before.version()) {
      throw new StaleVersionException(group.value(), version, before.version());
    }
    long last = before == null ? 0 : before.version();
    if (version - last > MAX_VERSION_STEP) {
      throw new InvalidInputException("backend_set.version", "version " + version + " runs more than "
          + MAX_VERSION_STEP + " ahead of the group's last version " + last);
    }
  }

  /**
   * Sets the fence to {@code epoch}, lower or higher: the highest epoch and every group's applied
   * epoch become it (versions kept), persisted before it returns. Only for aligning the fence with
   * the cluster's epoch after ZooKeeper was restored; the caller checks that value.
   *
   * @return the highest epoch before
   */
  public synchronized Epoch reset(Epoch epoch) {
    Epoch previous = highest;
    Map<GroupName, Applied> before = new TreeMap<>(applied);
    highest = epoch;
    applied.replaceAll((g, a) -> new Applied(epoch, a.version()));
    try {
      persist();
    } catch (RuntimeException e) {
      highest = previous;
      applied.clear();
      applied.putAll(before);
      throw e;
    }
    log.warn("epoch fence reset from {} to {} (ZooKeeper's leader epoch)", previous, epoch);
    return previous;
  }

  /**
   * Records that a command of {@code epoch} has been carried out: raises the highest epoch to it
   * (never lowers it) and persists. The caller checked the epoch before acting and held the
   * resource's lock throughout, so a higher epoch committed meanwhile by another resource is no
   * reason to refuse what already happened.
   */
  public synchronized void commit(Epoch epoch) {
    if (epoch.compareTo(highest) > 0) {
      Epoch previous = highest;
      highest = epoch;
      try {
        persist();
      } catch (RuntimeException e) {
        highest = previous;
        throw e;
      }
      log.info("accepted new leader epoch {} (was {})", epoch, previous);
    }
  }

  /** As {@link #commit(Epoch)}, also recording the group's applied (epoch, version). */
  public synchronized void commit(GroupName group, Epoch epoch, long version) {
    Applied before = applied.get(group);
    Epoch previous = highest;
    Applied next = new Applied(epoch, version);
    if (next.equals(before) && epoch.compareTo(highest) <= 0) {
      return;
    }
    applied.put(group, next);
    if (epoch.compareTo(highest) > 0) {
      highest = epoch;
    }
    try {
      persist();
    } catch (RuntimeException e) {
      highest = previous;
      if (before == null) {
        applied.remove(group);
      } else {
        applied.put(group, before);
      }
      throw e;
    }
    if (!previous.equals(highest)) {
      log.info("accepted new leader epoch {} (was {})", highest, previous);
    }
  }

  /**
   * Takes in a group's (epoch, version) found in the HAProxy config at start when it is newer than
   * what is recorded: the config is written before the epoch is committed, so after a crash in
   * between the file is the newer record.
   */
  public synchronized void recover(GroupName group, Epoch epoch, long version) {
    Applied before = applied.get(group);
    boolean newer = before == null || epoch.compareTo(before.epoch()) > 0
        || (epoch.equals(before.epoch()) && version > before.version());
    if (newer || epoch.compareTo(highest) > 0) {
      commit(group, newer ? epoch : before.epoch(), newer ? version : before.version());
    }
  }

  /** Forgets a removed group's version order (the highest epoch stays). */
  public synchronized void forget(GroupName group) {
    Applied before = applied.remove(group);
    if (before == null) {
      return;
    }
    try {
      persist();
    } catch (RuntimeException e) {
      applied.put(group, before);
      throw e;
    }
  }

  public synchronized Optional<Applied> applied(GroupName group) {
    return Optional.ofNullable(applied.get(group));
  }

  private void persist() {
    StringBuilder b = new StringBuilder("# zdd agent fencing state\n");
    b.append("highest_epoch ").append(highest.value()).append('\n');
    applied.forEach((g, a) -> b.append("group ").append(g.value()).append(' ')
        .append(a.epoch().value()).append(' ').append(a.version()).append('\n'));
    AtomicFiles.write(file, b.toString());
  }

  private void load() {
    AtomicFiles.read(file).ifPresent(text -> {
      for (String raw : text.split("\n")) {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String[] p = line.split("\\s+");
        try {
          if (p[0].equals("highest_epoch") && p.length == 2) {
            highest = Epoch.of(Long.parseLong(p[1]));
          } else if (p[0].equals("group") && p.length == 4) {
            applied.put(GroupName.of(p[1]), new Applied(Epoch.of(Long.parseLong(p[2])), Long.parseLong(p[3])));
          } else {
            throw new IllegalArgumentException("unknown entry");
          }
        } catch (RuntimeException e) {
          // Refuse to start rather than forget the epoch: forgetting it would let a deposed
          // leader through.
          throw new IllegalStateException("corrupt " + file + " line '" + line + "': " + e.getMessage(), e);
        }
      }
    });
  }
}
