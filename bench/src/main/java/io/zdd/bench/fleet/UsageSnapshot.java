package io.zdd.bench.fleet;

import java.util.List;

/**
 * CPU and memory of the bench's processes at one moment: this JVM (the coordinator side), the
 * agents' JVM, and the long-running HAProxy processes below it (masters and workers; the
 * short-lived {@code haproxy -c} checks are not among them: once waited for, they count in the
 * agents' JVM's children time).
 */
record UsageSnapshot(long nanos, ProcessUsage coordinator, ProcessUsage agents, double standInCpuSeconds,
    double haproxyCpuSeconds, long haproxyRssKib, int haproxyProcesses) {

  static UsageSnapshot take(long agentsPid, String haproxyBin) {
    ProcessUsage self = ProcessUsage.of(ProcessHandle.current().pid()).orElseThrow();
    ProcessUsage agents = ProcessUsage.of(agentsPid)
        .orElseThrow(() -> new IllegalStateException("the agents' JVM (pid " + agentsPid + ") is gone"));
    double cpu = 0;
    long rss = 0;
    int count = 0;
    List<ProcessHandle> below = ProcessHandle.of(agentsPid).map(h -> h.descendants().toList()).orElse(List.of());
    for (ProcessHandle h : below) {
      String cmd = ProcessUsage.commandLine(h.pid());
      if (!cmd.startsWith(haproxyBin + " ") || cmd.startsWith(haproxyBin + " -c ")) {
        continue;
      }
      var u = ProcessUsage.of(h.pid());
      if (u.isPresent()) {
        // A master's children time holds the workers that exited after a reload.
        cpu += u.get().cpuSeconds() + u.get().childCpuSeconds();
        rss += u.get().rssKib();
        count++;
      }
    }
    double standIns = ProcessUsage.threadCpuSeconds(agentsPid, UnixSocketLoop.THREAD_NAME);
    return new UsageSnapshot(System.nanoTime(), self, agents, standIns, cpu, rss, count);
  }

  /** What was used between {@code start} and this snapshot. */
  Window since(UsageSnapshot start) {
    return new Window((nanos - start.nanos) / 1e9,
        coordinator.cpuSeconds() - start.coordinator.cpuSeconds(),
        agents.cpuSeconds() - start.agents.cpuSeconds(),
        standInCpuSeconds - start.standInCpuSeconds,
        agents.childCpuSeconds() - start.agents.childCpuSeconds(),
        haproxyCpuSeconds - start.haproxyCpuSeconds, this);
  }

  /**
   * CPU seconds used over {@code seconds} of wall time, by part, and the snapshot at its end.
   *
   * @param agentsCpu the agents' JVM, the stand-ins' thread included
   * @param standInCpu the stand-ins' thread in the agents' JVM (what a real HAProxy would spend itself)
   * @param checkCpu the agents' JVM's exited children: the {@code haproxy -c} config checks
   */
  record Window(double seconds, double coordinatorCpu, double agentsCpu, double standInCpu, double checkCpu,
      double haproxyCpu,
      UsageSnapshot end) {
    /** CPU seconds as percent of one core over the window. */
    double percent(double cpuSeconds) {
      return seconds <= 0 ? 0 : cpuSeconds / seconds * 100;
    }
  }
}
