package io.zdd.agent.haproxy;

import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ColourFrontend;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HealthCheck;
import io.zdd.common.model.ProxyMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The HAProxy proxies one group becomes: a frontend on the group port with a backend holding all
 * servers, and in port-swap mode one more frontend/backend pair per colour holding only that
 * colour's servers. A colour frontend falls back to the main backend while its own colour has no
 * server in service: a client that keeps its connection to the old colour's frontend across the
 * swap (HTTP keep-alive) sends its next requests there, and once the old colour is drained they
 * go to the colour now live instead of failing with 503. Proxy names use a {@code zdd_} prefix
 * and a {@code :colour} suffix; group names cannot contain ':' so no two groups can produce the
 * same proxy name.
 */
public record GroupLayout(GroupName group, List<Frontend> frontends, List<Backend> backends) {
  public static final String FRONTEND_PREFIX = "zdd_fe_";
  public static final String BACKEND_PREFIX = "zdd_be_";

  /** @param fallback the backend that serves while {@code backend} has no server in service */
  public record Frontend(String name, int port, ProxyMode mode, String backend, Optional<String> fallback) {}

  /** Backend options that need a reload to change, and the servers that do not. */
  public record Backend(String name, ProxyMode mode, String balance, Optional<HealthCheck> healthCheck,
      List<BackendServer> servers) {
    public Backend {
      servers = List.copyOf(servers);
    }

    /** Everything but the servers: what a reload is needed for. */
    public Backend withoutServers() {
      return new Backend(name, mode, balance, healthCheck, List.of());
    }
  }

  public GroupLayout {
    frontends = List.copyOf(frontends);
    backends = List.copyOf(backends);
  }

  public static GroupLayout of(BackendSet set) {
    String g = set.group().value();
    List<Frontend> fes = new ArrayList<>();
    List<Backend> bes = new ArrayList<>();
    String main = BACKEND_PREFIX + g;
    fes.add(new Frontend(FRONTEND_PREFIX + g, set.frontendPort(), set.mode(), main, Optional.empty()));
    bes.add(new Backend(main, set.mode(), set.balance(), set.healthCheck(), set.servers()));
    for (ColourFrontend cf : set.colourFrontends()) {
      String suffix = ":" + cf.colour().name().toLowerCase(Locale.ROOT);
      String be = BACKEND_PREFIX + g + suffix;
      fes.add(new Frontend(FRONTEND_PREFIX + g + suffix, cf.port(), set.mode(), be, Optional.of(main)));
      List<BackendServer> coloured = set.servers().stream().filter(s -> s.colour() == cf.colour()).toList();
      bes.add(new Backend(be, set.mode(), set.balance(), set.healthCheck(), coloured));
    }
    return new GroupLayout(set.group(), fes, bes);
  }

  /** Frontends and backend options without servers: equal structures need no reload. */
  public GroupLayout structure() {
    return new GroupLayout(group, frontends, backends.stream().map(Backend::withoutServers).toList());
  }

  /** The group a managed backend name belongs to, or empty for proxies the agent does not own. */
  public static Optional<GroupName> groupOfBackend(String backend) {
    if (!backend.startsWith(BACKEND_PREFIX)) {
      return Optional.empty();
    }
    String rest = backend.substring(BACKEND_PREFIX.length());
    int colon = rest.indexOf(':');
    return Optional.of(GroupName.of(colon < 0 ? rest : rest.substring(0, colon)));
  }

  /** True for the group's main backend (all colours), false for a colour backend. */
  public static boolean isMainBackend(String backend) {
    return backend.startsWith(BACKEND_PREFIX) && backend.indexOf(':') < 0;
  }

  public static String mainBackend(GroupName group) {
    return BACKEND_PREFIX + group.value();
  }

  static Colour colourOf(String backend) {
    int colon = backend.indexOf(':');
    return colon < 0 ? Colour.NONE : Colour.valueOf(backend.substring(colon + 1).toUpperCase(Locale.ROOT));
  }
}
