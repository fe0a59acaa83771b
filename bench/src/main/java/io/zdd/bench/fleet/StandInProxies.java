package io.zdd.bench.fleet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The proxies and servers a {@link RuntimeApiStandIn} (a stand-in for HAProxy's runtime API, not
 * HAProxy) holds, read from the config files the agent writes and changed by runtime commands,
 * rendered back in HAProxy 2.6.12's formats (as measured on the real binary: the parser fixtures
 * under lb-agent/src/test/resources/haproxy are the same dumps). Not thread-safe: its owner
 * serialises access.
 */
final class StandInProxies {
  /** srv_admin_state bits, as HAProxy's server-t.h names them. */
  static final int FMAINT = 0x01;
  static final int CMAINT = 0x04;
  static final int FDRAIN = 0x08;

  static final String STATE_HEADER = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state "
      + "srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health "
      + "srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl "
      + "srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n";
  /**
   * A subset of HAProxy's {@code show stat} columns, in HAProxy's order: the agent reads columns by
   * header name only (StatCsv), and these are the ones it reads plus their neighbours.
   */
  static final String STAT_HEADER = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,status,weight,act,bck,"
      + "pid,iid,sid,type,check_status,addr,mode,algo,uweight,\n";

  /** A frontend or backend. */
  static final class Proxy {
    final String name;
    final boolean frontend;
    final int id;
    final Map<String, Server> servers = new LinkedHashMap<>();
    int nextServerId = 1;

    Proxy(String name, boolean frontend, int id) {
      this.name = name;
      this.frontend = frontend;
      this.id = id;
    }
  }

  /** One server's runtime state. */
  static final class Server {
    final String name;
    final int id;
    String address;
    int port;
    final int initialWeight;
    int weight;
    int adminBits;
    final boolean checkConfigured;
    boolean checkEnabled;

    Server(String name, int id, String address, int port, int weight, int adminBits, boolean check) {
      this.name = name;
      this.id = id;
      this.address = address;
      this.port = port;
      this.initialWeight = weight;
      this.weight = weight;
      this.adminBits = adminBits;
      this.checkConfigured = check;
      this.checkEnabled = check;
    }

    boolean maint() {
      return (adminBits & (FMAINT | 0x02 | 0x20)) != 0;
    }

    boolean drain() {
      return !maint() && (adminBits & (FDRAIN | 0x10)) != 0;
    }

    String status() {
      if (maint()) {
        return "MAINT";
      }
      if (drain()) {
        return "DRAIN";
      }
      return checkEnabled ? "UP" : "no check";
    }
  }

  final Map<String, Proxy> proxies = new LinkedHashMap<>();

  Optional<Proxy> backend(String name) {
    return Optional.ofNullable(proxies.get(name)).filter(p -> !p.frontend);
  }

  /**
   * The proxies of HAProxy config text: {@code frontend}, {@code backend} and {@code listen}
   * sections and their {@code server} lines ({@code weight}, {@code check}, {@code disabled}).
   */
  static StandInProxies parse(String config) {
    StandInProxies out = new StandInProxies();
    Proxy current = null;
    int nextId = 3; // HAProxy numbers its own internal proxies first
    for (String raw : config.split("\n")) {
      String line = raw.strip();
      String[] w = line.split("\\s+");
      if (w.length >= 2 && (w[0].equals("frontend") || w[0].equals("backend") || w[0].equals("listen"))) {
        current = new Proxy(w[1], w[0].equals("frontend"), nextId++);
        out.proxies.put(current.name, current);
      } else if (w.length >= 1 && (w[0].equals("global") || w[0].equals("defaults"))) {
        current = null;
      } else if (current != null && w.length >= 3 && w[0].equals("server")) {
        int colon = w[2].lastIndexOf(':');
        String addr = w[2].substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(w[2].substring(colon + 1));
        int weight = 1;
        boolean check = false;
        boolean disabled = false;
        for (int i = 3; i < w.length; i++) {
          if (w[i].equals("weight") && i + 1 < w.length) {
            weight = Integer.parseInt(w[i + 1]);
          } else if (w[i].equals("check")) {
            check = true;
          } else if (w[i].equals("disabled")) {
            disabled = true;
          }
        }
        current.servers.put(w[1], new Server(w[1], current.nextServerId++, addr, port, weight,
            disabled ? FMAINT | CMAINT : 0, check));
      }
    }
    return out;
  }

  /**
   * What {@code load-server-state-from-file} does on a reload: a server that was there before
   * keeps its runtime weight, state and address unless the config changed its weight.
   */
  void carryStateFrom(StandInProxies before) {
    for (Proxy p : proxies.values()) {
      Proxy old = before.proxies.get(p.name);
      if (old == null) {
        continue;
      }
      for (Server s : p.servers.values()) {
        Server o = old.servers.get(s.name);
        if (o != null && o.initialWeight == s.initialWeight) {
          s.weight = o.weight;
          s.adminBits = o.adminBits;
          s.address = o.address;
          s.port = o.port;
          s.checkEnabled = o.checkEnabled;
        }
      }
    }
  }

  /** {@code show servers state [backend]}: every backend's servers, or one backend's. */
  String serversState(Optional<Proxy> only) {
    StringBuilder b = new StringBuilder(STATE_HEADER);
    List<Proxy> list = only.map(List::of).orElseGet(() -> new ArrayList<>(proxies.values()));
    for (Proxy p : list) {
      if (p.frontend) {
        continue;
      }
      for (Server s : p.servers.values()) {
        b.append(p.id).append(' ').append(p.name).append(' ').append(s.id).append(' ').append(s.name).append(' ')
            .append(s.address).append(' ').append(s.maint() ? 0 : 2).append(' ').append(s.adminBits).append(' ')
            .append(s.weight).append(' ').append(s.initialWeight).append(" 1 1 0 ").append(s.maint() ? 0 : 2)
            .append(' ').append(s.checkEnabled ? 6 : 0).append(" 0 0 0 - ").append(s.port)
            .append(" - 0 0 - - 0\n");
      }
    }
    return b.append('\n').toString();
  }

  /**
   * {@code show stat [proxy type sid]}: rows of the proxies named (or all, {@code -1}) whose type
   * is in {@code typeMask} (1 frontends, 2 backends, 4 servers).
   */
  String stat(Optional<Proxy> only, int typeMask, int pid) {
    StringBuilder b = new StringBuilder(STAT_HEADER);
    List<Proxy> list = only.map(List::of).orElseGet(() -> new ArrayList<>(proxies.values()));
    for (Proxy p : list) {
      if (p.frontend) {
        if ((typeMask & 1) != 0) {
          b.append(p.name).append(",FRONTEND,,,0,0,9980,0,0,0,OPEN,,,,").append(pid).append(',').append(p.id)
              .append(",0,0,,,http,,,\n");
        }
        continue;
      }
      int total = 0;
      for (Server s : p.servers.values()) {
        int effective = s.maint() || s.drain() ? 0 : s.weight;
        total += effective;
        if ((typeMask & 4) != 0) {
          b.append(p.name).append(',').append(s.name).append(",0,0,0,0,,0,0,0,").append(s.status()).append(',')
              .append(effective).append(",1,0,").append(pid).append(',').append(p.id).append(',').append(s.id)
              .append(",2,").append(s.checkEnabled ? "L4OK" : "").append(',')
              .append(s.address.contains(":") ? "[" + s.address + "]" : s.address).append(':').append(s.port)
              .append(",http,,").append(s.weight).append(",\n");
        }
      }
      if ((typeMask & 2) != 0) {
        b.append(p.name).append(",BACKEND,0,0,0,0,998,0,0,0,UP,").append(total).append(",1,0,").append(pid)
            .append(',').append(p.id).append(",0,1,,,http,roundrobin,").append(total).append(",\n");
      }
    }
    return b.append('\n').toString();
  }
}
