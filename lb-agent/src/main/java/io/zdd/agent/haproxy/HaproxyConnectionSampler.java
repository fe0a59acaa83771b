package io.zdd.agent.haproxy;

import io.zdd.agent.core.ConnectionSampler;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.ServerConnections;
import io.zdd.common.model.ServerTraffic;
import io.zdd.common.model.WorkerConnections;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-server connection counts summed over the current worker (stats socket) and every old
 * worker still draining after a reload (master CLI {@code @!<pid> show stat -1 4 -1}): after a
 * reload the stats socket only reaches the new worker, so a connection held by an old one would
 * otherwise look drained.
 */
public final class HaproxyConnectionSampler implements ConnectionSampler {
  private static final Logger log = LoggerFactory.getLogger(HaproxyConnectionSampler.class);

  private final HaproxyRuntimeClient runtime;
  private final MasterCli master;

  public HaproxyConnectionSampler(HaproxyRuntimeClient runtime, MasterCli master) {
    this.runtime = runtime;
    this.master = master;
  }

  private static final class Acc {
    int scur;
    int qcur;
    long stot;
    String status = "";
    AdminState admin = AdminState.MAINT;
    int oldScur;
    boolean inCurrent;
  }

  private record Key(GroupName group, String server) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = group.compareTo(o.group);
      return c != 0 ? c : server.compareTo(o.server);
    }
  }

  @Override
  public Counts sample(Set<GroupName> groups) {
    ProcTable procs = master.showProc();
    Map<Key, Acc> acc = new TreeMap<>();
    List<WorkerConnections> workers = new ArrayList<>();

    // Current worker: stats plus admin state (status text alone hides DRAIN when a server is DOWN).
    Map<String, AdminState> admin = new HashMap<>();
    for (ServerStateRow r : runtime.showServersState()) {
      admin.put(r.backend() + "/" + r.server(), r.adminState());
    }
    for (StatRow r : runtime.showStat()) {
      Optional<Key> k = key(r, groups);
      if (k.isEmpty()) {
        continue;
      }
      Acc a = acc.computeIfAbsent(k.get(), x -> new Acc());
      a.scur += r.scur();
      a.qcur += r.qcur();
      a.stot += r.stot();
      // The main backend carries every server and is the one whose state is reported; colour
      // backends repeat some of them (their sessions still count).
      if (GroupLayout.isMainBackend(r.proxy()) || !a.inCurrent) {
        a.status = r.status();
        a.admin = admin.getOrDefault(r.proxy() + "/" + r.name(), statusAdmin(r.status()));
      }
      a.inCurrent = true;
    }
    HaproxyInfo currentInfo = runtime.showInfo();
    workers.add(new WorkerConnections(currentInfo.pid(), true, currentInfo.currentConnections()));

    for (ProcTable.Proc old : procs.oldWorkers()) {
      try {
        Optional<List<StatRow>> rows = master.showServerStats(old.pid());
        if (rows.isEmpty()) {
          continue; // exited between show proc and now
        }
        for (StatRow r : rows.get()) {
          Optional<Key> k = key(r, groups);
          if (k.isEmpty()) {
            continue;
          }
          Acc a = acc.computeIfAbsent(k.get(), x -> new Acc());
          a.scur += r.scur();
          a.qcur += r.qcur();
          a.oldScur += r.scur();
          if (!a.inCurrent && a.status.isEmpty()) {
            a.status = r.status(); // only an old worker still has this server
            a.admin = statusAdmin(r.status());
          }
        }
        master.showInfo(old.pid()).ifPresent(i ->
            workers.add(new WorkerConnections(old.pid(), false, i.currentConnections())));
      } catch (UnavailableException | DeadlineExceededException e) {
        // An old worker exiting mid-query: its connections are gone with it.
        log.debug("old worker {} not readable: {}", old.pid(), e.getMessage());
      }
    }
    List<ServerConnections> servers = new ArrayList<>();
    acc.forEach((k, a) -> servers.add(new ServerConnections(k.group(), k.server(), a.scur, a.qcur, a.stot,
        a.status, a.admin, a.oldScur)));
    return new Counts(servers, workers);
  }

  /** Counters of one server, summed over workers and over the group's backends that hold it. */
  private static final class TrafficAcc {
    final long[] counters = new long[TRAFFIC_COUNTERS.size()];
    long currentResponses;
    long currentRtime;
    long currentTtime;
    long oldResponses;
    double oldRtimeSum;
    double oldTtimeSum;

    void add(StatRow r, boolean current) {
      for (int i = 0; i < counters.length; i++) {
        counters[i] += r.longField(TRAFFIC_COUNTERS.get(i));
      }
      long responses = responses(r);
      if (current) {
        // Colour backends repeat a server: the times of the backend that served most stand.
        if (responses >= currentResponses) {
          currentRtime = r.longField("rtime");
          currentTtime = r.longField("ttime");
        }
        currentResponses += responses;
      } else {
        oldResponses += responses;
        oldRtimeSum += (double) r.longField("rtime") * responses;
        oldTtimeSum += (double) r.longField("ttime") * responses;
      }
    }

    ServerTraffic traffic(Key k) {
      boolean fromCurrent = currentResponses > 0 || oldResponses == 0;
      long rtime = fromCurrent ? currentRtime : Math.round(oldRtimeSum / oldResponses);
      long ttime = fromCurrent ? currentTtime : Math.round(oldTtimeSum / oldResponses);
      return new ServerTraffic(k.group().value(), k.server(), null, null, counters[0], counters[1], counters[2], counters[3],
          counters[4], counters[5], counters[6], counters[7], counters[8], counters[9], counters[10], rtime, ttime);
    }

    private static long responses(StatRow r) {
      long n = 0;
      for (int i = 0; i < 6; i++) {
        n += r.longField(TRAFFIC_COUNTERS.get(i));
      }
      return n;
    }
  }

  /** The cumulative {@code show stat} columns ReadTraffic reports, in {@link ServerTraffic}'s order. */
  private static final List<String> TRAFFIC_COUNTERS = List.of("hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx",
      "hrsp_other", "econ", "eresp", "wretr", "wredis", "stot");

  @Override
  public List<ServerTraffic> traffic(Set<GroupName> groups) {
    ProcTable procs = master.showProc();
    Map<Key, TrafficAcc> acc = new TreeMap<>();
    for (StatRow r : runtime.showStat()) {
      key(r, groups).ifPresent(k -> acc.computeIfAbsent(k, x -> new TrafficAcc()).add(r, true));
    }
    for (ProcTable.Proc old : procs.oldWorkers()) {
      try {
        Optional<List<StatRow>> rows = master.showServerStats(old.pid());
        rows.ifPresent(list -> list.forEach(r -> key(r, groups).ifPresent(k -> acc.computeIfAbsent(k, x -> new TrafficAcc())
            .add(r, false))));
      } catch (UnavailableException | DeadlineExceededException e) {
        // An old worker exiting mid-query: its counters go with it (a reset for the caller).
        log.debug("old worker {} not readable: {}", old.pid(), e.getMessage());
      }
    }
    List<ServerTraffic> out = new ArrayList<>();
    acc.forEach((k, a) -> out.add(a.traffic(k)));
    return out;
  }

  /** True when no worker has a session or queued request on {@code backend/server}. */
  public boolean idleEverywhere(String backendSlashServer) {
    int slash = backendSlashServer.indexOf('/');
    String be = backendSlashServer.substring(0, slash);
    String srv = backendSlashServer.substring(slash + 1);
    try {
      ProcTable procs = master.showProc();
      if (busy(runtime.showServerStats(be), srv)) {
        return false;
      }
      for (ProcTable.Proc old : procs.oldWorkers()) {
        Optional<List<StatRow>> rows = master.showServerStats(old.pid());
        if (rows.isPresent() && rows.get().stream().anyMatch(r -> r.proxy().equals(be) && r.name().equals(srv)
            && (r.scur() > 0 || r.qcur() > 0))) {
          return false;
        }
      }
      return true;
    } catch (NoSuchServerException e) {
      return true;
    } catch (UnavailableException | DeadlineExceededException e) {
      return false;
    }
  }

  private static boolean busy(List<StatRow> rows, String srv) {
    return rows.stream().anyMatch(r -> r.name().equals(srv) && (r.scur() > 0 || r.qcur() > 0));
  }

  private static Optional<Key> key(StatRow r, Set<GroupName> groups) {
    if (!r.isServer()) {
      return Optional.empty();
    }
    Optional<GroupName> g = GroupLayout.groupOfBackend(r.proxy());
    if (g.isEmpty() || (!groups.isEmpty() && !groups.contains(g.get()))) {
      return Optional.empty();
    }
    return Optional.of(new Key(g.get(), r.name()));
  }

  private static AdminState statusAdmin(String status) {
    if (status.startsWith("MAINT")) {
      return AdminState.MAINT;
    }
    return status.equals("DRAIN") ? AdminState.DRAIN : AdminState.READY;
  }
}
