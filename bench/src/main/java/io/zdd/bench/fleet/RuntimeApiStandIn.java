package io.zdd.bench.fleet;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A STAND-IN for one HAProxy's runtime API, for benchmarks with more agents than the machine can
 * run HAProxies: it is not HAProxy and forwards no traffic. It answers, on a stats socket and a
 * master CLI socket, exactly the commands the lb-agent sends (HaproxyRuntimeClient, MasterCli),
 * with HAProxy 2.6.12's reply texts (measured on the real binary), and keeps their state so every
 * read-back is true: {@code show servers state}, {@code show stat}, {@code show info},
 * {@code set server … weight|state|addr}, {@code add server}, {@code del server},
 * {@code enable server|health}, {@code shutdown sessions server}; on the master socket
 * {@code show proc}, {@code @!<pid> …} and {@code @1 …}, and {@code reload}, which re-reads the
 * agent's config file as a new "worker" (carrying each server's runtime state over as the
 * server-state file would). Its pids are made up, not processes; an old worker exits at once
 * (nothing to drain). What it does not do: health checks (a configured check passes at once),
 * traffic, counters.
 */
public final class RuntimeApiStandIn {
  static final String VERSION = "2.6.12-stand-in";
  /** Made-up pids, distinct across the stand-ins of one JVM and far above real ones here. */
  private static final AtomicInteger PIDS = new AtomicInteger(3_000_000);

  private final Path zddConfig;
  private final int masterPid = PIDS.incrementAndGet();
  private final long startNanos = System.nanoTime();
  @GuardedBy("this")
  private int workerPid = PIDS.incrementAndGet();
  @GuardedBy("this")
  private int reloads;
  @GuardedBy("this")
  private int failedReloads;
  @GuardedBy("this")
  private StandInProxies proxies;
  @GuardedBy("this")
  private long commands;

  /** @param zddConfig the agent's own config file, read at start and at every {@code reload} */
  public RuntimeApiStandIn(Path zddConfig) throws IOException {
    this.zddConfig = zddConfig;
    this.proxies = StandInProxies.parse(Files.exists(zddConfig) ? Files.readString(zddConfig) : "");
  }

  /** Serves the stats socket and the master socket on {@code loop}. */
  public void listen(UnixSocketLoop loop, Path statsSocket, Path masterSocket) throws IOException {
    loop.listen(statsSocket, line -> line.isEmpty() ? Optional.empty() : Optional.of(worker(line)));
    loop.listen(masterSocket, line -> line.isEmpty() ? Optional.empty() : master(line));
  }

  /** Commands answered so far, both sockets. */
  public synchronized long commands() {
    return commands;
  }

  /** The current "worker"'s made-up pid. */
  public synchronized int workerPid() {
    return workerPid;
  }

  /** A server's runtime weight (its {@code srv_uweight}), or -1 when there is no such server. */
  public synchronized int weight(String backend, String server) {
    return proxies.backend(backend).map(p -> p.servers.get(server)).map(s -> s.weight).orElse(-1);
  }

  /** One master CLI command; empty when HAProxy closes the connection without an answer. */
  public synchronized Optional<String> master(String line) {
    commands++;
    if (line.equals("show proc")) {
      return Optional.of(showProc());
    }
    if (line.equals("reload")) {
      reload();
      return Optional.empty();
    }
    if (line.startsWith("@")) {
      int sp = line.indexOf(' ');
      String prefix = sp < 0 ? line : line.substring(0, sp);
      String rest = sp < 0 ? "" : line.substring(sp + 1).strip();
      boolean current = prefix.equals("@1") || prefix.equals("@!" + workerPid);
      if (!current) {
        return Optional.of("Can't find the target PID matching the prefix '" + prefix + "'\n");
      }
      commands--; // counted once, as the worker's
      return Optional.of(worker(rest));
    }
    return Optional.of(unknown());
  }

  /** One stats socket (worker) command. */
  public synchronized String worker(String line) {
    commands++;
    String[] w = line.split("\\s+");
    try {
      if (line.startsWith("show servers state")) {
        if (w.length == 3) {
          return proxies.serversState(Optional.empty());
        }
        return proxies.backend(w[3]).map(p -> proxies.serversState(Optional.of(p))).orElse("Can't find backend.\n\n");
      }
      if (line.equals("show stat")) {
        return proxies.stat(Optional.empty(), 7, workerPid);
      }
      if (w.length == 5 && w[0].equals("show") && w[1].equals("stat")) {
        Optional<StandInProxies.Proxy> only = w[2].equals("-1") ? Optional.empty()
            : Optional.ofNullable(proxies.proxies.get(w[2]));
        if (!w[2].equals("-1") && only.isEmpty()) {
          return "No such proxy.\n\n";
        }
        return proxies.stat(only, Integer.parseInt(w[3]), workerPid);
      }
      if (line.equals("show info")) {
        return showInfo();
      }
      if (line.equals("show sess")) {
        return "\n";
      }
      if (w.length >= 3 && w[0].equals("set") && w[1].equals("server")) {
        return setServer(w);
      }
      if (w.length >= 4 && w[0].equals("add") && w[1].equals("server")) {
        return addServer(w);
      }
      if (w.length == 3 && w[0].equals("del") && w[1].equals("server")) {
        return onServer(w[2], (p, s) -> {
          if (!s.maint()) {
            return "Only servers in maintenance mode can be deleted.\n";
          }
          p.servers.remove(s.name);
          return "Server deleted.\n";
        });
      }
      if (w.length == 3 && w[0].equals("enable") && w[1].equals("health")) {
        return onServer(w[2], (p, s) -> {
          if (!s.checkConfigured) {
            return "Health check was not configured on this server, cannot enable.\n\n";
          }
          s.checkEnabled = true;
          return "\n";
        });
      }
      if (w.length == 3 && w[0].equals("enable") && w[1].equals("server")) {
        return onServer(w[2], (p, s) -> {
          s.adminBits &= ~(StandInProxies.FMAINT | StandInProxies.FDRAIN);
          return "\n";
        });
      }
      if (w.length == 4 && line.startsWith("shutdown sessions server ")) {
        return onServer(w[3], (p, s) -> "\n");
      }
    } catch (NumberFormatException | IndexOutOfBoundsException e) {
      return "Require a valid argument.\n\n";
    }
    return unknown();
  }

  @GuardedBy("this")
  private String setServer(String[] w) {
    return onServer(w[2], (p, s) -> {
      if (w.length == 5 && w[3].equals("weight")) {
        int weight = Integer.parseInt(w[4]);
        if (weight < 0 || weight > 256) {
          return "Absolute weight can only be between 0 and 256 inclusive.\n\n";
        }
        s.weight = weight;
        return "\n";
      }
      if (w.length == 5 && w[3].equals("state")) {
        switch (w[4]) {
          case "ready" -> s.adminBits &= ~(StandInProxies.FMAINT | StandInProxies.FDRAIN);
          case "drain" -> s.adminBits = (s.adminBits & ~StandInProxies.FMAINT) | StandInProxies.FDRAIN;
          case "maint" -> s.adminBits |= StandInProxies.FMAINT;
          default -> {
            return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n";
          }
        }
        return "\n";
      }
      if (w.length >= 5 && w[3].equals("addr")) {
        String addr = w[4];
        int port = w.length == 7 && w[5].equals("port") ? Integer.parseInt(w[6]) : s.port;
        String reply = addr.equals(s.address) ? "no need to change the addr"
            : "IP changed from '" + s.address + "' to '" + addr + "'";
        reply += port == s.port ? ", no need to change the port" : ", port changed from '" + s.port + "' to '" + port + "'";
        s.address = addr;
        s.port = port;
        return reply + " by 'stats socket command'\n\n";
      }
      return "'set server <srv>' only supports 'agent', 'health', 'state', 'weight', 'addr', 'fqdn' and "
          + "'check-addr'.\n\n";
    });
  }

  @GuardedBy("this")
  private String addServer(String[] w) {
    int slash = w[2].indexOf('/');
    if (slash < 0) {
      return "Require 'backend/server'.\n\n";
    }
    Optional<StandInProxies.Proxy> p = proxies.backend(w[2].substring(0, slash));
    if (p.isEmpty()) {
      return "No such backend.\n\n";
    }
    String name = w[2].substring(slash + 1);
    if (p.get().servers.containsKey(name)) {
      return "Already exists a server with the same name in backend.\n\n";
    }
    int colon = w[3].lastIndexOf(':');
    String addr = w[3].substring(0, colon).replace("[", "").replace("]", "");
    int port = Integer.parseInt(w[3].substring(colon + 1));
    int weight = 1;
    boolean check = false;
    for (int i = 4; i < w.length; i++) {
      if (w[i].equals("weight") && i + 1 < w.length) {
        weight = Integer.parseInt(w[i + 1]);
      } else if (w[i].equals("check")) {
        check = true;
      }
    }
    // A server added at run time starts in maintenance, its check off until 'enable health'.
    StandInProxies.Server s = new StandInProxies.Server(name, p.get().nextServerId++, addr, port, weight,
        StandInProxies.FMAINT, check);
    s.checkEnabled = false;
    p.get().servers.put(name, s);
    return "New server registered.\n\n";
  }

  /** Runs {@code action} on {@code backend/server}, or answers as HAProxy does when either is unknown. */
  @GuardedBy("this")
  private String onServer(String target, ServerAction action) {
    int slash = target.indexOf('/');
    if (slash < 0) {
      return "Require 'backend/server'.\n\n";
    }
    Optional<StandInProxies.Proxy> p = proxies.backend(target.substring(0, slash));
    if (p.isEmpty()) {
      return "No such backend.\n\n";
    }
    StandInProxies.Server s = p.get().servers.get(target.substring(slash + 1));
    if (s == null) {
      return "No such server.\n\n";
    }
    return action.apply(p.get(), s);
  }

  private interface ServerAction {
    String apply(StandInProxies.Proxy proxy, StandInProxies.Server server);
  }

  @GuardedBy("this")
  private void reload() {
    try {
      StandInProxies next = StandInProxies.parse(Files.readString(zddConfig));
      next.carryStateFrom(proxies);
      proxies = next;
      workerPid = PIDS.incrementAndGet();
      reloads++;
    } catch (IOException | RuntimeException e) {
      failedReloads++;
    }
  }

  @GuardedBy("this")
  private String showProc() {
    String uptime = uptime();
    return String.format(Locale.ROOT, "#<PID>          <type>          <reloads>       <uptime>        <version>      \n"
        + "%-15d master          %d [failed: %d]   %s     %s\n"
        + "# workers\n"
        + "%-15d worker          0               %s     %s\n"
        + "# programs\n\n", masterPid, reloads, failedReloads, uptime, VERSION, workerPid, uptime, VERSION);
  }

  @GuardedBy("this")
  private String showInfo() {
    long up = (System.nanoTime() - startNanos) / 1_000_000_000L;
    return "Name: HAProxy\nVersion: " + VERSION + "\nRelease_date: stand-in\nNbthread: 1\nNbproc: 1\nProcess_num: 1\n"
        + "Pid: " + workerPid + "\nUptime_sec: " + up + "\nMaxconn: 9980\nCurrConns: 0\nCumConns: 0\nStopping: 0\n"
        + "Jobs: 0\nListeners: 0\nnode: stand-in\n\n";
  }

  private String uptime() {
    long s = (System.nanoTime() - startNanos) / 1_000_000_000L;
    return String.format(Locale.ROOT, "%dd%02dh%02dm%02ds", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
  }

  private static String unknown() {
    return "Unknown command, but maybe one of the following ones is a better match:\n"
        + "  help [<command>]                        : list matching or all commands\n\n";
  }
}
