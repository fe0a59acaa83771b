package io.zdd.agent.metrics;

import io.zdd.agent.core.BackendController;
import io.zdd.agent.haproxy.HaproxyCommandException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HaproxyWorker;
import io.zdd.common.model.ObservedBackend;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Counts what the HAProxy layer did for each change, from its results and its failures, without
 * the layer knowing about meters: runtime commands of an apply ({@code result="ok"}), a runtime
 * command HAProxy refused ({@code result="error"}), a reload made ({@code ok}) and a reload that
 * failed ({@link PreconditionException}: the last good config kept serving, {@code error}).
 */
public final class MeteredBackendController implements BackendController {
  private final BackendController delegate;
  private final AgentMetrics metrics;

  public MeteredBackendController(BackendController delegate, AgentMetrics metrics) {
    this.delegate = delegate;
    this.metrics = metrics;
  }

  @Override
  public <T> T withGroup(GroupName group, Supplier<T> action) {
    return delegate.withGroup(group, action);
  }

  @Override
  public ApplyResult apply(BackendSet desired, Epoch epoch) {
    ApplyResult r;
    try {
      r = delegate.apply(desired, epoch);
    } catch (RuntimeException e) {
      countFailure(e);
      throw e;
    }
    metrics.recordRuntimeCommands(r.runtimeCommands(), true);
    if (r.reloaded()) {
      metrics.recordReload(true);
    }
    return r;
  }

  @Override
  public boolean removeGroup(GroupName group) {
    try {
      boolean removed = delegate.removeGroup(group);
      if (removed) {
        metrics.recordReload(true); // a removed group is a removed frontend: one reload
      }
      return removed;
    } catch (RuntimeException e) {
      countFailure(e);
      throw e;
    }
  }

  private void countFailure(RuntimeException e) {
    if (e instanceof HaproxyCommandException) {
      metrics.recordRuntimeCommands(1, false);
    } else if (e instanceof PreconditionException) {
      metrics.recordReload(false);
    }
  }

  @Override
  public List<ObservedBackend> observe() {
    return delegate.observe();
  }

  @Override
  public Map<GroupName, BackendSet> desired() {
    return delegate.desired();
  }

  @Override
  public List<HaproxyWorker> workers() {
    return delegate.workers();
  }

  @Override
  public String haproxyVersion() {
    return delegate.haproxyVersion();
  }
}
