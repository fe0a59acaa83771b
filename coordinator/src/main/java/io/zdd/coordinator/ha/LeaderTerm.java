package io.zdd.coordinator.ha;

import io.zdd.common.model.Epoch;

/**
 * Everything a coordinator does only while it leads, scoped to one term. Created when leadership
 * is won (after the epoch bump) and closed when it is lost, including on a SUSPENDED ZooKeeper
 * connection. {@link #close()} must stop all leader work before returning.
 */
public interface LeaderTerm extends AutoCloseable {
  Epoch epoch();

  @Override
  void close();

  /** Builds the term for a newly won epoch. */
  @FunctionalInterface
  interface Factory {
    LeaderTerm open(Epoch epoch) throws Exception;
  }
}
