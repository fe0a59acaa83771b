package io.zdd.agent.haproxy;

import io.zdd.agent.exec.ChildEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The base config the agent writes when it runs HAProxy itself. When attaching to an existing
 * HAProxy the operator's base config is used instead and never touched.
 *
 * @param statsSocket worker runtime API socket ({@code level admin})
 * @param serverStateFile where {@code show servers state} is dumped before each reload
 * @param hardStopAfter bound on how long an old worker may keep draining after a reload
 * @param workerUser the user (and group) HAProxy's workers switch to; empty to stay as started
 */
public record BaseConfig(Path statsSocket, Path serverStateFile, Duration hardStopAfter,
    Duration connectTimeout, Duration clientTimeout, Duration serverTimeout, Duration keepAliveTimeout,
    String workerUser) {
  /** The account Debian's haproxy package creates. */
  static final String HAPROXY_USER = "haproxy";

  /**
   * Defaults; when the agent runs as root and the {@code haproxy} account exists, the workers
   * (which parse traffic) run as {@code haproxy}, while the master keeps root for reloads.
   */
  public static BaseConfig defaults(Path runDir) {
    String user = ChildEnvironment.runsAsRoot() && ChildEnvironment.userExists(HAPROXY_USER) ? HAPROXY_USER : "";
    return new BaseConfig(runDir.resolve("admin.sock"), runDir.resolve("server-state"),
        Duration.ofMinutes(5), Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(60),
        Duration.ofSeconds(2), user);
  }

  public BaseConfig withHardStopAfter(Duration d) {
    return new BaseConfig(statsSocket, serverStateFile, d, connectTimeout, clientTimeout, serverTimeout,
        keepAliveTimeout, workerUser);
  }

  public String render() {
    if (!workerUser.matches("[a-z_][a-z0-9_-]{0,31}|")) {
      throw new IllegalArgumentException("not a user name: " + workerUser);
    }
    checkPath(statsSocket);
    checkPath(serverStateFile);
    return HaproxyConfigRenderer.HEADER
        + "global\n"
        + "  master-worker\n"
        // expose-fd listeners keeps reloads seamless even if HAProxy is ever run without -W.
        + "  stats socket " + statsSocket + " mode 600 level admin expose-fd listeners\n"
        + "  stats timeout 2m\n"
        + "  hard-stop-after " + ms(hardStopAfter) + "\n"
        + "  server-state-file " + serverStateFile + "\n"
        + (workerUser.isEmpty() ? "" : "  user " + workerUser + "\n  group " + workerUser + "\n")
        + "\n"
        + "defaults\n"
        + "  timeout connect " + ms(connectTimeout) + "\n"
        + "  timeout client " + ms(clientTimeout) + "\n"
        + "  timeout server " + ms(serverTimeout) + "\n"
        + "  timeout http-keep-alive " + ms(keepAliveTimeout) + "\n"
        + "  load-server-state-from-file global\n";
  }

  /**
   * An empty server-state file in HAProxy's format; without one HAProxy warns at every start
   * and check until the first reload dumps real state.
   */
  public static final String EMPTY_SERVER_STATE = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state "
      + "srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result "
      + "srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port "
      + "srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n";

  /** Creates the server-state file when it does not exist yet. */
  public void ensureServerStateFile() throws IOException {
    if (!Files.exists(serverStateFile)) {
      Files.writeString(serverStateFile, EMPTY_SERVER_STATE);
    }
  }

  private static String ms(Duration d) {
    return d.toMillis() + "ms";
  }

  private static void checkPath(Path p) {
    String s = p.toString();
    if (!s.matches("[A-Za-z0-9_./-]+")) {
      throw new io.zdd.common.error.InvalidInputException("path", "HAProxy paths must be plain, got " + s);
    }
  }
}
