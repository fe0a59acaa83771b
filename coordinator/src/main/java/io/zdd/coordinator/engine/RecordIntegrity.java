package io.zdd.coordinator.engine;

import io.zdd.common.model.Validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.zdd.common.error.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a new leader checks in a stored record before it trusts it: a record edited in ZooKeeper
 * must not make the leader kill tasks of another app, act on an app of another group, or run
 * something it was not configured to run. Pure: the record and the declared hook names in, the
 * problems out (empty when the record is consistent).
 */
final class RecordIntegrity {
  private RecordIntegrity() {}

  static List<String> problems(DeploymentRecord r, Set<String> declaredHooks) {
    List<String> out = new ArrayList<>();
    // The prepared green definition (it carries the alternate port, so it is not a user app.json):
    // only its id and group label matter here.
    JsonNode green = null;
    try {
      green = AppJson.MAPPER.readTree(r.greenAppJson());
    } catch (JsonProcessingException e) {
      out.add("greenAppJson is not JSON");
    }
    if (green != null) {
      String id = green.path("id").asText("");
      String group = green.path("labels").path(Labels.GROUP).asText("");
      if (!id.equals(r.greenAppId())) {
        out.add("greenAppId " + Validation.printable(r.greenAppId()) + " is not the id in greenAppJson ("
            + Validation.printable(id) + ")");
      }
      if (!group.equals(r.group().value())) {
        out.add("greenAppJson belongs to group " + Validation.printable(group) + ", not " + r.group());
      }
    }
    if (!r.blueAppId().isEmpty() && r.blueAppId().equals(r.greenAppId())) {
      out.add("blueAppId equals greenAppId");
    }
    String bluePrefix = r.blueAppId().isEmpty() ? null : taskPrefix(r.blueAppId());
    check(out, "killingTaskIds", r.killingTaskIds(), bluePrefix);
    check(out, "killedTaskIds", r.killedTaskIds(), bluePrefix);
    check(out, "retiredTaskIds", r.retiredTaskIds(), bluePrefix);
    try {
      r.options().validate();
    } catch (InvalidInputException e) {
      out.add(e.getMessage());
    }
    long seq = r.controls().appliedThrough();
    for (ControlRequest c : r.controls().pending()) {
      if (c.seq() <= seq) {
        out.add("controls.pending is out of order at request #" + c.seq());
      }
      seq = c.seq();
    }
    if (r.controls().pending().size() > Controls.MAX_PENDING) {
      out.add("controls.pending holds " + r.controls().pending().size() + " requests (at most " + Controls.MAX_PENDING + ")");
    }
    r.options().preKillHook().filter(h -> !declaredHooks.contains(h))
        .ifPresent(h -> out.add("options.preKillHook names '" + Validation.printable(h)
            + "', which is not declared on this coordinator"));
    return out;
  }

  /** Marathon names a task {@code <app id without the leading slash, '/' as '_'>.<instance>}. */
  static String taskPrefix(String appId) {
    return (appId.startsWith("/") ? appId.substring(1) : appId).replace('/', '_') + ".";
  }

  private static void check(List<String> out, String field, List<String> taskIds, String bluePrefix) {
    for (String id : taskIds) {
      if (bluePrefix == null || !id.startsWith(bluePrefix)) {
        out.add(field + " lists " + Validation.printable(id) + ", which is not a task of the blue app");
      }
    }
  }
}
