package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A running deployment of one app: one step with one action, as Marathon plans single-app changes. */
final class Deployment {
  enum Action {
    StartApplication,
    ScaleApplication,
    RestartApplication,
    StopApplication
  }

  final String id;
  final String version;
  final String appId;
  final Action action;
  /** The app as it was (null for a new app) and as it will be (null when stopped). */
  final ObjectNode original;
  final ObjectNode target;

  Deployment(String id, String version, String appId, Action action, ObjectNode original, ObjectNode target) {
    this.id = id;
    this.version = version;
    this.appId = appId;
    this.action = action;
    this.original = original;
    this.target = target;
  }

  /** The {@code GET /v2/deployments} entry. */
  ObjectNode toJson() {
    ObjectNode json = MarathonJson.object();
    json.put("id", id);
    json.put("version", version);
    json.putArray("affectedApps").add(appId);
    json.putArray("affectedPods");
    json.set("steps", MarathonJson.array().add(step()));
    ArrayNode current = json.putArray("currentActions");
    ObjectNode action = current.addObject();
    action.put("action", this.action.name());
    action.put("app", appId);
    action.putArray("readinessCheckResults");
    json.put("currentStep", 1);
    json.put("totalSteps", 1);
    return json;
  }

  ObjectNode step() {
    ObjectNode step = MarathonJson.object();
    ObjectNode action = step.putArray("actions").addObject();
    action.put("action", this.action.name());
    action.put("app", appId);
    return step;
  }

  /** The {@code plan} of deployment events: id, original and target root groups, steps, version. */
  ObjectNode plan() {
    ObjectNode plan = MarathonJson.object();
    plan.put("id", id);
    plan.set("original", group(original));
    plan.set("target", group(target));
    plan.set("steps", MarathonJson.array().add(step()));
    plan.put("version", version);
    return plan;
  }

  private ObjectNode group(ObjectNode app) {
    ObjectNode group = MarathonJson.object();
    group.put("id", "/");
    ArrayNode apps = group.putArray("apps");
    if (app != null) {
      apps.add(app);
    }
    group.putArray("groups");
    group.putArray("dependencies");
    group.put("version", version);
    return group;
  }
}
