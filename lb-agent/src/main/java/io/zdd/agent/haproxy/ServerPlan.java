package io.zdd.agent.haproxy;

import io.zdd.common.model.AdminState;
import io.zdd.common.model.BackendServer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The runtime steps that make one backend's servers match the desired list, computed from what
 * {@code show servers state} reports. Pure: no I/O, so the diff is unit-tested on its own.
 * Equal desired and observed state gives an empty plan, which is what makes apply idempotent.
 */
public record ServerPlan(String backend, List<BackendServer> add, List<Change> change, List<String> retire) {

  /** Changes to one existing server; a field is null when it already matches. */
  public record Change(BackendServer desired, boolean address, Integer weight, AdminState from, AdminState to) {
    public boolean stateChanges() {
      return to != null;
    }
  }

  public ServerPlan {
    add = List.copyOf(add);
    change = List.copyOf(change);
    retire = List.copyOf(retire);
  }

  public boolean isEmpty() {
    return add.isEmpty() && change.isEmpty() && retire.isEmpty();
  }

  public static ServerPlan diff(String backend, List<BackendServer> desired, Map<String, ServerStateRow> observed) {
    List<BackendServer> add = new ArrayList<>();
    List<Change> change = new ArrayList<>();
    List<String> retire = new ArrayList<>();
    for (BackendServer s : desired) {
      ServerStateRow o = observed.get(s.name());
      if (o == null) {
        add.add(s);
        continue;
      }
      boolean addr = !o.address().equals(s.address()) || o.port() != s.port();
      Integer weight = o.userWeight() == s.weight() ? null : s.weight();
      AdminState to = o.adminState() == s.adminState() ? null : s.adminState();
      if (addr || weight != null || to != null) {
        change.add(new Change(s, addr, weight, o.adminState(), to));
      }
    }
    // A set, not a scan of the list per row: a backend may hold 1,000 servers.
    Set<String> wanted = new HashSet<>();
    desired.forEach(s -> wanted.add(s.name()));
    for (ServerStateRow o : observed.values()) {
      if (!wanted.contains(o.server()) && o.adminState() != AdminState.MAINT) {
        retire.add(o.server());
      }
    }
    retire.sort(null);
    return new ServerPlan(backend, add, change, retire);
  }
}
