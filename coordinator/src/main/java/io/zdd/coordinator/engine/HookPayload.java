package io.zdd.coordinator.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.coordinator.engine.analysis.AnalysisState;
import io.zdd.coordinator.engine.analysis.HookType;
import java.time.Instant;
import java.util.Locale;

/** Pure: the JSON body posted to a webhook: who, where the deployment stands, the analysis so far. */
final class HookPayload {
  private HookPayload() {}

  static String of(HookType type, DeploymentRecord r, Instant at) {
    ObjectNode o = AppJson.MAPPER.createObjectNode();
    o.put("type", type.key());
    o.put("deploymentId", r.id());
    o.put("group", r.group().value());
    ObjectNode apps = o.putObject("apps");
    apps.put("blue", r.blueAppId());
    apps.put("green", r.greenAppId());
    o.put("greenColour", r.greenColour().label());
    o.put("phase", r.phase().name());
    o.put("step", r.traffic().step() + 1);
    o.put("steps", r.options().trafficSteps().size());
    o.put("share", r.traffic().greenPercent(r.options().trafficSteps()));
    AnalysisState a = r.analysis();
    ObjectNode an = o.putObject("analysis");
    an.put("template", r.options().analysis().orElse(""));
    an.put("step", a.step() + 1);
    an.put("result", a.result().name().toLowerCase(Locale.ROOT));
    an.put("measurements", a.measurements());
    an.put("failures", a.failures());
    an.put("inconclusives", a.inconclusives());
    an.put("summary", a.summary());
    o.put("message", r.message());
    o.put("at", at.toString());
    return o.toString();
  }
}
