package io.zdd.coordinator.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.tls.PeerAuthentication;
import io.zdd.common.tls.SpiffeId;
import io.zdd.proto.v1.CoordinatorAdminGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What each operator certificate may do on the admin API. A roles file maps operator names (the
 * {@code <name>} of {@code spiffe://<domain>/operator/<name>}) to a role:
 *
 * <pre>{@code
 * {"operators": {
 *    "alice": {"role": "admin"},
 *    "bob":   {"role": "deployer", "groups": ["shop*"], "apps": ["/shop/*"]},
 *    "carol": {"role": "viewer"}}}
 * }</pre>
 *
 * <p>{@code viewer}: status, list, agents, plan, watch. {@code deployer}: those, plus deploy,
 * promote, pause, resume and abort for deployment groups and app ids matching its patterns (a
 * trailing {@code *} matches any rest). {@code admin}: everything, including resetting an agent's
 * epoch fence. An operator not in the file
 * may do nothing. Without a file every operator certificate is an admin (the CA decides who is
 * an operator). Coordinator and agent certificates may only read.
 */
public final class OperatorRoles implements PeerAuthentication.Policy {
  private static final Pattern PATTERN = Pattern.compile("/?[A-Za-z0-9_.*/-]{1,200}");

  /** What an operator may do. */
  public enum Role { VIEWER, DEPLOYER, ADMIN }

  /** One operator's role and, for a deployer, where it may act. */
  public record Grant(Role role, List<String> groups, List<String> apps) {
    public Grant {
      groups = List.copyOf(groups);
      apps = List.copyOf(apps);
    }

    boolean covers(String group, List<String> appIds) {
      if (role == Role.ADMIN) {
        return true;
      }
      if (role != Role.DEPLOYER) {
        return false;
      }
      return matchesAny(groups, group) && appIds.stream().allMatch(a -> matchesAny(apps, a));
    }

    private static boolean matchesAny(List<String> patterns, String value) {
      for (String p : patterns) {
        if (p.endsWith("*") ? value.startsWith(p.substring(0, p.length() - 1)) : value.equals(p)) {
          return true;
        }
      }
      return false;
    }
  }

  private static final Set<String> READS = Set.of(
      CoordinatorAdminGrpc.getGetDeploymentMethod().getFullMethodName(),
      CoordinatorAdminGrpc.getListDeploymentsMethod().getFullMethodName(),
      CoordinatorAdminGrpc.getListAgentsMethod().getFullMethodName(),
      CoordinatorAdminGrpc.getWatchDeploymentMethod().getFullMethodName(),
      CoordinatorAdminGrpc.getPlanMethod().getFullMethodName(),
      // Any operator may ask for a dashboard login link: the session it gives acts with the
      // operator's own grant, so a viewer's session can only read (DashboardLogins refuses
      // certificates that are not operators').
      CoordinatorAdminGrpc.getDashboardLoginMethod().getFullMethodName());

  private static final Set<String> ADMIN_ONLY = Set.of(
      CoordinatorAdminGrpc.getResetAgentFenceMethod().getFullMethodName());

  private final Optional<Map<String, Grant>> operators;

  private OperatorRoles(Optional<Map<String, Grant>> operators) {
    this.operators = operators;
  }

  /** No roles file: every operator certificate is an admin. */
  public static OperatorRoles everyOperatorIsAdmin() {
    return new OperatorRoles(Optional.empty());
  }

  public boolean fromFile() {
    return operators.isPresent();
  }

  /** Loads a roles file; a bad file is refused whole, naming the entry. */
  public static OperatorRoles load(Path file) throws IOException {
    JsonNode root = new ObjectMapper().readTree(Files.readString(file));
    JsonNode ops = root == null ? null : root.get("operators");
    if (ops == null || !ops.isObject()) {
      throw new InvalidInputException("--roles-file", file + ": expected {\"operators\": {\"<name>\": {...}}}");
    }
    Map<String, Grant> grants = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = ops.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String where = "operators." + e.getKey();
      try {
        SpiffeId.requireName(e.getKey());
      } catch (IllegalArgumentException bad) {
        throw new InvalidInputException("--roles-file", where + ": " + bad.getMessage());
      }
      Role role;
      try {
        role = Role.valueOf(e.getValue().path("role").asText("").toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException bad) {
        throw new InvalidInputException("--roles-file", where + ".role: must be viewer, deployer or admin");
      }
      grants.put(e.getKey(), new Grant(role, patterns(e.getValue().path("groups"), where + ".groups"),
          patterns(e.getValue().path("apps"), where + ".apps")));
    }
    return new OperatorRoles(Optional.of(Map.copyOf(grants)));
  }

  private static List<String> patterns(JsonNode node, String where) {
    List<String> out = new ArrayList<>();
    if (node.isMissingNode()) {
      return out;
    }
    if (!node.isArray()) {
      throw new InvalidInputException("--roles-file", where + ": must be a list of patterns");
    }
    for (JsonNode p : node) {
      if (!p.isTextual() || !PATTERN.matcher(p.asText()).matches()) {
        throw new InvalidInputException("--roles-file", where + ": bad pattern " + p);
      }
      out.add(p.asText());
    }
    return out;
  }

  /** The grant of {@code caller}; empty when it may do nothing. */
  public Optional<Grant> grantOf(SpiffeId caller) {
    if (caller.role() == SpiffeId.Role.ZOOKEEPER) {
      return Optional.empty();
    }
    if (caller.role() != SpiffeId.Role.OPERATOR) {
      return Optional.of(new Grant(Role.VIEWER, List.of(), List.of()));
    }
    return operators.map(m -> Optional.ofNullable(m.get(caller.name())))
        .orElse(Optional.of(new Grant(Role.ADMIN, List.of(), List.of())));
  }

  /** Method-level check: reads need any grant, writes at least deployer (the scope is checked later). */
  @Override
  public Optional<String> refuse(String fullMethodName, SpiffeId caller) {
    Optional<Grant> g = grantOf(caller);
    if (g.isEmpty()) {
      return Optional.of("not in the coordinator's roles file");
    }
    if (!READS.contains(fullMethodName) && g.get().role() == Role.VIEWER) {
      return Optional.of("a viewer may only read");
    }
    if (ADMIN_ONLY.contains(fullMethodName) && g.get().role() != Role.ADMIN) {
      return Optional.of("only an admin may do this");
    }
    return Optional.empty();
  }

  /**
   * Why {@code caller} may not change deployment group {@code group} with apps {@code appIds},
   * or empty if it may. Without TLS (--insecure) there is no caller and everything is allowed.
   */
  public Optional<String> refuseChange(Optional<SpiffeId> caller, String group, List<String> appIds) {
    if (caller.isEmpty()) {
      return Optional.empty();
    }
    Optional<Grant> g = grantOf(caller.get());
    if (g.isPresent() && g.get().covers(group, appIds)) {
      return Optional.empty();
    }
    return Optional.of(caller.get() + " may not change group " + group + " with apps " + appIds);
  }
}
