package io.zdd.agent.grpc;

import io.zdd.agent.core.ConnectionSampler;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerConnections;
import io.zdd.common.model.WorkerConnections;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stands in for HAProxy's stats ONLY in tests of the streaming edge (change detection,
 * heartbeats, flow control): it returns whatever counts the test set, filtered by group the way
 * the real sampler filters. It does not model HAProxy; the HAProxy layer tests its own sampler.
 */
final class InMemoryConnectionSampler implements ConnectionSampler {
  private final AtomicReference<Counts> counts = new AtomicReference<>(new Counts(List.of(), List.of()));
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  final AtomicInteger calls = new AtomicInteger();
  /** When true, every sample increments every server's scur first: counts change on every call. */
  volatile boolean changeOnEverySample;

  void set(Counts c) {
    counts.set(c);
  }

  void failWith(RuntimeException e) {
    failure.set(e);
  }

  /** {@code n} servers of one group, each with {@code scur} sessions, and one current worker. */
  static Counts servers(String group, int n, int scur) {
    List<ServerConnections> servers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      servers.add(new ServerConnections(GroupName.of(group), String.format("%s-server-%04d", group, i), scur, 0,
          1000L + i, "UP", AdminState.READY, 0));
    }
    return new Counts(servers, List.of(new WorkerConnections(4242, true, (long) n * scur)));
  }

  @Override
  public Counts sample(Set<GroupName> groups) {
    calls.incrementAndGet();
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
    Counts c = changeOnEverySample
        ? counts.updateAndGet(old -> new Counts(old.servers().stream()
            .map(s -> new ServerConnections(s.group(), s.server(), s.scur() + 1, s.qcur(), s.stot() + 1, s.status(),
                s.adminState(), s.oldWorkerScur()))
            .toList(), old.workers()))
        : counts.get();
    return new Counts(c.servers().stream().filter(s -> groups.isEmpty() || groups.contains(s.group())).toList(),
        c.workers());
  }
}
