package io.zdd.bench.chaos;

/** The kinds of fault the nemesis injects. */
enum Fault {
  /** SIGKILL the leading coordinator's JVM; it is started again 3 s later. */
  KILL_LEADER("kill -9 the leader"),
  /** SIGSTOP the leader past its ZooKeeper session timeout, then SIGCONT: it wakes deposed. */
  EXPIRE_LEADER_SESSION("freeze the leader past its session (SIGSTOP, SIGCONT)"),
  /** Stop and start an lb-agent; the HAProxy it supervises stops and starts with it. */
  RESTART_AGENT("restart an lb-agent (and its HAProxy)"),
  /** {@code kill -USR2} an HAProxy master: a reload nobody asked for. */
  RELOAD_HAPROXY("kill -USR2 an HAProxy (unrequested reload)"),
  /** Stop a ZooKeeper follower for a while (the ensemble keeps its quorum). */
  STOP_ZK_FOLLOWER("stop a ZooKeeper follower"),
  /** Every task of an app answers its metrics endpoint 5 s late for a while. */
  SLOW_PENDING_METRIC("slow the pending-metric endpoint"),
  /** An agent's state directory (a small tmpfs) is filled until writes fail, for a while. */
  FULL_STATE_DIR("fill an agent's state dir (full tmpfs)");

  final String description;

  Fault(String description) {
    this.description = description;
  }
}
