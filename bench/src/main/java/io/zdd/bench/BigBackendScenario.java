package io.zdd.bench;

import io.grpc.StatusRuntimeException;
import io.zdd.proto.v1.AdminState;
import io.zdd.proto.v1.AgentState;
import io.zdd.proto.v1.ApplyBackendsRequest;
import io.zdd.proto.v1.ApplyBackendsResponse;
import io.zdd.proto.v1.BackendSet;
import io.zdd.proto.v1.GetStateRequest;
import io.zdd.proto.v1.HaproxyWorker;
import io.zdd.proto.v1.LbAgentGrpc;
import io.zdd.proto.v1.ProxyMode;
import io.zdd.proto.v1.Server;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Big backends on one agent, with no background load: a group created with 3 servers and grown
 * to {@code servers} in one ApplyBackends (timed once), every one of those servers re-weighted in
 * one call ({@code repeats} times), then the agent filled up to {@code groups} groups (each new
 * group is a reload; not timed) and one small group among them re-weighted ({@code repeats}
 * times). Growth and re-weights must not reload: the {@code reloaded=true} answers and whether the
 * current worker stayed the same are reported. TCP groups without health checks, so HAProxy does
 * not probe the local backends thousands of times a second.
 */
final class BigBackendScenario {
  private static final long DEADLINE_SECONDS = 120;
  private static final long EPOCH = ChangePlan.EPOCH;

  private final List<Integer> backendPorts;
  private final int servers;
  private final int groups;
  private final int repeats;

  /** One agent's numbers. */
  record Result(String agent, double growMs, LatencySummary reweightAll, LatencySummary reweightOneOfMany,
      int groupsAtEnd, long reloaded, boolean sameWorker) {}

  BigBackendScenario(List<Integer> backendPorts, int servers, int groups, int repeats) {
    this.backendPorts = List.copyOf(backendPorts);
    this.servers = servers;
    this.groups = groups;
    this.repeats = repeats;
  }

  Result run(String agent, LbAgentGrpc.LbAgentBlockingStub stub) throws IOException {
    long reloaded = 0;
    double growMs = 0;
    List<Long> all = new ArrayList<>();
    int worker = currentWorker(stub);
    if (servers > 0) {
      int port = freePort();
      long version = 1;
      call(stub, set("big", version, port, 3, 0));
      worker = currentWorker(stub);
      long t0 = System.nanoTime();
      ApplyBackendsResponse grown = call(stub, set("big", ++version, port, servers, 0));
      growMs = (System.nanoTime() - t0) / 1e6;
      reloaded += grown.getReloaded() ? 1 : 0;
      if (grown.getObserved().getServersCount() != servers) {
        throw new IllegalStateException("grown group reads back " + grown.getObserved().getServersCount() + " servers");
      }
      for (int round = 1; round <= repeats; round++) {
        t0 = System.nanoTime();
        ApplyBackendsResponse r = call(stub, set("big", ++version, port, servers, round));
        all.add(System.nanoTime() - t0);
        reloaded += r.getReloaded() ? 1 : 0;
      }
    }
    List<Long> one = new ArrayList<>();
    int groupsAtEnd = stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .getState(GetStateRequest.getDefaultInstance()).getBackendsCount();
    boolean sameWorker = currentWorker(stub) == worker;
    if (groups > 0) {
      List<Integer> ports = new ArrayList<>();
      for (int g = 0; groupsAtEnd < groups; g++, groupsAtEnd++) {
        int port = freePort();
        ports.add(port);
        call(stub, set("many-" + g, 1, port, 3, 0)); // a new group: reloads, not measured
      }
      if (ports.isEmpty()) {
        throw new IllegalStateException("the agent already has " + groupsAtEnd + " groups; nothing to add");
      }
      int manyWorker = currentWorker(stub);
      for (int round = 1; round <= repeats; round++) {
        long t0 = System.nanoTime();
        ApplyBackendsResponse r = call(stub, set("many-0", 1 + round, ports.get(0), 3, round));
        one.add(System.nanoTime() - t0);
        reloaded += r.getReloaded() ? 1 : 0;
      }
      sameWorker &= currentWorker(stub) == manyWorker;
    }
    return new Result(agent, growMs, LatencySummary.ofNanos(all), LatencySummary.ofNanos(one), groupsAtEnd,
        reloaded, sameWorker);
  }

  String markdown(List<Result> results) {
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "### Big backends: %d servers in one group, one group among %d "
        + "(no background load, %d re-weights each)", servers, groups, repeats));
    out.add("");
    out.add("| agent | grow 3 → " + servers + " servers, ms | re-weight all " + servers + ": p50 ms | p90 ms | max ms "
        + "| re-weight 1 group of " + groups + ": p50 ms | p90 ms | max ms | groups | reloaded=true (must be 0) "
        + "| same worker throughout |");
    out.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (Result r : results) {
      out.add(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %d | %s |",
          r.agent(), r.growMs(), r.reweightAll().p50Ms(), r.reweightAll().p90Ms(), r.reweightAll().maxMs(),
          r.reweightOneOfMany().p50Ms(), r.reweightOneOfMany().p90Ms(), r.reweightOneOfMany().maxMs(),
          r.groupsAtEnd(), r.reloaded(), r.sameWorker() ? "yes" : "**no**"));
    }
    out.add("");
    return String.join("\n", out);
  }

  /** Weights 1..200 that change every round for every server. */
  private ApplyBackendsRequest set(String group, long version, int port, int count, int round) {
    BackendSet.Builder set = BackendSet.newBuilder().setGroup(group).setVersion(version).setFrontendPort(port)
        .setMode(ProxyMode.TCP).setBalance("roundrobin");
    for (int i = 0; i < count; i++) {
      set.addServers(Server.newBuilder().setName("s" + i).setAddress("127.0.0.1")
          .setPort(backendPorts.get(i % backendPorts.size()))
          .setWeight(1 + (round * 37 + i * 11) % 200).setAdminState(AdminState.READY));
    }
    return ApplyBackendsRequest.newBuilder().setEpoch(EPOCH).setBackendSet(set).build();
  }

  private static ApplyBackendsResponse call(LbAgentGrpc.LbAgentBlockingStub stub, ApplyBackendsRequest req) {
    try {
      return stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).applyBackends(req);
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException("ApplyBackends " + req.getBackendSet().getGroup() + " v"
          + req.getBackendSet().getVersion() + " failed: " + e.getStatus(), e);
    }
  }

  private static int currentWorker(LbAgentGrpc.LbAgentBlockingStub stub) {
    AgentState s = stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).getState(GetStateRequest.getDefaultInstance());
    return s.getWorkersList().stream().filter(HaproxyWorker::getCurrent).mapToInt(HaproxyWorker::getPid)
        .findFirst().orElse(-1);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
