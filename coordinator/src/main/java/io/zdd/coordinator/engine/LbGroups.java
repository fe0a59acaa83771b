package io.zdd.coordinator.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.common.model.Validation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The Marathon-LB groups an app is exposed on, and marathon-lb's rule for which load balancers
 * serve it: an LB started for {@code *} serves every app; any other LB serves the apps whose
 * groups share a name with its own; an app with no group is served only by {@code *} LBs.
 *
 * <p>The user names the groups in {@code HAPROXY_GROUP}, as for marathon-lb. zdd moves the value
 * into its own label {@code ZDD_LB_GROUP} in every app it posts to Marathon and drops
 * {@code HAPROXY_GROUP} and {@code HAPROXY_<n>_GROUP}, so a marathon-lb running beside zdd never
 * renders a zdd-managed app too (two frontends on one port split the traffic silently).
 */
public record LbGroups(Set<String> names) {
  public static final String WILDCARD = "*";
  public static final LbGroups NONE = new LbGroups(Set.of());
  private static final Pattern PER_PORT_GROUP = Pattern.compile("HAPROXY_\\d+_GROUP");

  public LbGroups {
    names = Set.copyOf(new TreeSet<>(names));
  }

  /** Parses a comma-separated label value; each name as marathon-lb group names, or {@code *}. */
  public static LbGroups parse(String field, String value) {
    List<String> out = new ArrayList<>();
    for (String raw : value.split(",", -1)) {
      String name = raw.strip();
      if (name.isEmpty()) {
        continue;
      }
      out.add(name.equals(WILDCARD) ? name : Validation.name(field, name));
    }
    return new LbGroups(Set.copyOf(out));
  }

  /** The groups of an app definition or live app: zdd's own label, else {@code HAPROXY_GROUP}. */
  public static LbGroups of(Map<String, String> labels) {
    String own = labels.get(Labels.LB_GROUP);
    if (own != null) {
      return parse("labels." + Labels.LB_GROUP, own);
    }
    String user = labels.get(Labels.HAPROXY_GROUP);
    return user == null ? NONE : parse("labels." + Labels.HAPROXY_GROUP, user);
  }

  /** As {@link #of(Map)} for an app's JSON labels object (absent or not an object: no groups). */
  public static LbGroups ofJson(JsonNode labels) {
    Map<String, String> m = new HashMap<>();
    if (labels instanceof ObjectNode o) {
      o.fields().forEachRemaining(e -> {
        if (e.getValue().isTextual()) {
          m.put(e.getKey(), e.getValue().asText());
        }
      });
    }
    return of(m);
  }

  /** As {@link #of(Map)} for a whole app definition (unparseable or without labels: no groups). */
  public static LbGroups ofAppJson(String appJson) {
    try {
      return ofJson(AppJson.MAPPER.readTree(appJson).path("labels"));
    } catch (IOException | RuntimeException e) {
      return NONE;
    }
  }

  /**
   * Rewrites an app definition's labels as zdd posts them: the groups in {@code ZDD_LB_GROUP},
   * no {@code HAPROXY_GROUP} or {@code HAPROXY_<n>_GROUP} left for a marathon-lb to act on.
   */
  public static void moveIntoOwnLabel(ObjectNode labels) {
    LbGroups groups = ofJson(labels);
    for (Iterator<String> it = labels.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (name.equals(Labels.HAPROXY_GROUP) || PER_PORT_GROUP.matcher(name).matches()) {
        it.remove();
      }
    }
    if (groups.names().isEmpty()) {
      labels.remove(Labels.LB_GROUP);
    } else {
      labels.put(Labels.LB_GROUP, groups.label());
    }
  }

  /** marathon-lb's {@code has_group}: whether an LB started for {@code lbGroups} serves this app. */
  public boolean servedBy(Collection<String> lbGroups) {
    if (lbGroups.contains(WILDCARD)) {
      return true;
    }
    return lbGroups.stream().anyMatch(names::contains);
  }

  /** The label value, names sorted and comma-separated. */
  public String label() {
    return String.join(",", new TreeSet<>(names));
  }

  /** The groups for messages: {@code [external, internal]}, or {@code none}. */
  public String describe() {
    return names.isEmpty() ? "none (label " + Labels.HAPROXY_GROUP + " not set)" : new TreeSet<>(names).toString();
  }
}
