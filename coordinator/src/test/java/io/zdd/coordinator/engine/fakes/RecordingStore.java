package io.zdd.coordinator.engine.fakes;

import io.zdd.common.model.GroupName;
import io.zdd.coordinator.engine.DeploymentRecord;
import io.zdd.coordinator.engine.InMemoryDeploymentStore;
import io.zdd.coordinator.engine.port.DeploymentStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The in-memory store, recording every save, and able to "crash the process" right after the
 * n-th save: the record is stored, then {@link Crash} is thrown before the action that followed.
 */
public final class RecordingStore implements DeploymentStore {
  /** Simulates the coordinator dying; not a ZddException, so the engine cannot swallow it. */
  public static final class Crash extends RuntimeException {
    public Crash(int save) {
      super("simulated crash after save #" + save);
    }
  }

  private final InMemoryDeploymentStore store = new InMemoryDeploymentStore();
  private final List<DeploymentRecord> saves = new ArrayList<>();
  private int crashAfter = -1;
  private Predicate<DeploymentRecord> deposeAfter = r -> false;
  private boolean deposed;

  public synchronized void crashAfterSave(int n) {
    crashAfter = n;
  }

  /**
   * Once a record matching {@code when} is stored, every later save is refused as a deposed
   * leader's would be (another leader bumped the epoch), and nothing more is stored.
   */
  public synchronized void deposeAfter(Predicate<DeploymentRecord> when) {
    deposeAfter = when;
  }

  /** Refuses every save from now on, as {@link #deposeAfter} does. */
  public synchronized void depose() {
    deposed = true;
  }

  public synchronized List<DeploymentRecord> saves() {
    return List.copyOf(saves);
  }

  @Override
  public synchronized void save(DeploymentRecord record) {
    if (deposed) {
      throw new io.zdd.common.error.StaleEpochException(record.epoch(), record.epoch() + 1);
    }
    store.save(record);
    saves.add(record);
    deposed = deposeAfter.test(record);
    if (saves.size() == crashAfter) {
      crashAfter = -1;
      throw new Crash(saves.size());
    }
  }

  @Override
  public synchronized Optional<DeploymentRecord> load(GroupName group) {
    return store.load(group);
  }

  @Override
  public synchronized void appendHistory(DeploymentRecord record) {
    store.appendHistory(record);
  }

  @Override
  public synchronized List<DeploymentRecord> history(GroupName group) {
    return store.history(group);
  }
}
