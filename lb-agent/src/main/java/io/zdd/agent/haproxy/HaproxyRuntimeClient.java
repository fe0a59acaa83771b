package io.zdd.agent.haproxy;

import io.zdd.common.error.UnavailableException;
import io.zdd.common.model.AdminState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HAProxy's runtime API on the worker stats socket ({@code level admin}). One command per
 * connection, a deadline on each. Every name and value is validated before it is put on the
 * wire; error replies become {@link HaproxyCommandException}s. Thread-safe (no shared state but
 * counters).
 */
public final class HaproxyRuntimeClient {
  private static final Logger log = LoggerFactory.getLogger(HaproxyRuntimeClient.class);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  private final Path socket;
  private final Duration timeout;
  private final AtomicLong changeCommands = new AtomicLong();
  /**
   * Change commands each thread has sent (through any client): a change runs on one thread, so
   * the difference over it is that change's own count, whatever other groups' changes send
   * meanwhile on other threads.
   */
  private static final ThreadLocal<long[]> SENT_BY_THREAD = ThreadLocal.withInitial(() -> new long[1]);

  public HaproxyRuntimeClient(Path socket, Duration timeout) {
    this.socket = socket;
    this.timeout = timeout;
  }

  public HaproxyRuntimeClient(Path socket) {
    this(socket, DEFAULT_TIMEOUT);
  }

  public Path socket() {
    return socket;
  }

  /** Commands sent that change HAProxy (add/del/enable/set/shutdown), since creation. */
  public long changeCommands() {
    return changeCommands.get();
  }

  /** Commands that change HAProxy sent by the current thread, through any client. */
  public static long changeCommandsOfThisThread() {
    return SENT_BY_THREAD.get()[0];
  }

  private void countChange() {
    changeCommands.incrementAndGet();
    SENT_BY_THREAD.get()[0]++;
  }

  // ---- reads ----

  /** Every proxy and server row. */
  public List<StatRow> showStat() {
    return parseStat("show stat", send("show stat"));
  }

  /** Server rows of one backend ({@code show stat <backend> 4 -1}). */
  public List<StatRow> showServerStats(String backend) {
    String cmd = "show stat " + RuntimeArgs.proxy("backend", backend) + " 4 -1";
    return parseStat(cmd, send(cmd));
  }

  public List<ServerStateRow> showServersState() {
    return parseState("show servers state", send("show servers state"));
  }

  public List<ServerStateRow> showServersState(String backend) {
    String cmd = "show servers state " + RuntimeArgs.proxy("backend", backend);
    return parseState(cmd, send(cmd));
  }

  /** The raw text of {@code show servers state}, as HAProxy reads it back from a state file. */
  public String dumpServersState() {
    String reply = send("show servers state");
    if (!reply.startsWith("1\n") && !reply.startsWith("1\r\n")) {
      throw HaproxyCommandException.of("show servers state", reply);
    }
    return reply;
  }

  public HaproxyInfo showInfo() {
    String reply = send("show info");
    if (!reply.contains("Pid:")) {
      throw HaproxyCommandException.of("show info", reply);
    }
    return HaproxyInfo.parse(reply);
  }

  // ---- changes ----

  public void addServer(String backend, String server, String address, int port, ServerOptions options) {
    StringBuilder cmd = new StringBuilder("add server ")
        .append(target(backend, server)).append(' ')
        .append(hostPort(address, port));
    for (String k : options.keywords()) {
      cmd.append(' ').append(RuntimeArgs.keyword("server.options", k));
    }
    expect(cmd.toString(), "New server registered.");
  }

  public void delServer(String backend, String server) {
    expect("del server " + target(backend, server), "Server deleted.");
  }

  public void enableServer(String backend, String server) {
    expectEmpty("enable server " + target(backend, server));
  }

  public void enableHealth(String backend, String server) {
    expectEmpty("enable health " + target(backend, server));
  }

  public void setWeight(String backend, String server, int weight) {
    io.zdd.common.model.Validation.weight("server.weight", weight);
    expectEmpty("set server " + target(backend, server) + " weight " + weight);
  }

  public void setState(String backend, String server, AdminState state) {
    expectEmpty("set server " + target(backend, server) + " state " + state.name().toLowerCase(Locale.ROOT));
  }

  public void setAddress(String backend, String server, String address, int port) {
    io.zdd.common.model.Validation.port("server.port", port);
    // Unlike add/del, a successful 'set server addr' answers with a sentence about the change.
    String cmd = "set server " + target(backend, server) + " addr "
        + RuntimeArgs.address("server.address", address) + " port " + port;
    String reply = send(cmd).strip();
    if (!reply.isEmpty() && !reply.startsWith("IP changed") && !reply.startsWith("no need to change")
        && !reply.startsWith("port changed")) {
      throw HaproxyCommandException.of(cmd, reply);
    }
    countChange();
  }

  /** Kills every session on the server: the last resort when a drain deadline expires. */
  public void shutdownSessions(String backend, String server) {
    expectEmpty("shutdown sessions server " + target(backend, server));
  }

  // ---- plumbing ----

  private static String target(String backend, String server) {
    return RuntimeArgs.proxy("backend", backend) + "/" + RuntimeArgs.server("server.name", server);
  }

  private static String hostPort(String address, int port) {
    io.zdd.common.model.Validation.port("server.port", port);
    String a = RuntimeArgs.address("server.address", address);
    return (a.contains(":") ? "[" + a + "]" : a) + ":" + port;
  }

  private void expect(String cmd, String success) {
    String reply = send(cmd).strip();
    countChange();
    if (!reply.startsWith(success)) {
      throw HaproxyCommandException.of(cmd, reply);
    }
  }

  private void expectEmpty(String cmd) {
    String reply = send(cmd).strip();
    countChange();
    if (!reply.isEmpty()) {
      throw HaproxyCommandException.of(cmd, reply);
    }
  }

  private static List<StatRow> parseStat(String cmd, String reply) {
    if (!reply.startsWith("#")) {
      throw HaproxyCommandException.of(cmd, reply);
    }
    return StatCsv.parse(reply);
  }

  private static List<ServerStateRow> parseState(String cmd, String reply) {
    if (!reply.startsWith("1")) {
      throw HaproxyCommandException.of(cmd, reply);
    }
    return ServerStateRow.parse(reply);
  }

  String send(String line) {
    RuntimeArgs.line(line);
    long start = System.nanoTime();
    try {
      String reply = UnixSocketExchange.exchange(socket, line, timeout);
      log.debug("haproxy '{}' -> {} bytes in {} µs", line, reply.length(), (System.nanoTime() - start) / 1000);
      return reply;
    } catch (UnavailableException e) {
      log.debug("haproxy '{}' failed: {}", line, e.getMessage());
      throw e;
    }
  }
}
