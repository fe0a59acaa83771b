package io.zdd.coordinator.engine;

import io.zdd.common.model.AgentId;
import io.zdd.coordinator.engine.PreparedDeployment.PlanMode;
import io.zdd.coordinator.engine.port.AppStatus;
import io.zdd.coordinator.engine.port.LbAgentView;
import io.zdd.coordinator.engine.port.TaskStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a prepared deployment into the ordered Marathon calls and per-LB changes the engine would
 * make, by running the same growth and drain rules on paper. Pure.
 */
public final class DryRunPlanner {
  private DryRunPlanner() {}

  public static DeploymentPlan plan(PreparedDeployment p, List<LbAgentView> agents) {
    List<PlannedCall> calls = new ArrayList<>();
    List<String> lb = new ArrayList<>();
    DeploymentOptions o = p.options();
    String green = p.greenAppId();
    int g = p.existingGreen().map(AppStatus::instances).orElse(p.initialInstances());
    p.greenDefinition().ifPresent(def -> calls.add(new PlannedCall("POST", "/v2/apps", def.toString(),
        "create " + green + " (" + p.greenColour().label() + ") with " + def.instances() + " instance(s)")));
    lb.add("backend " + p.group() + " frontend :" + p.servicePort() + " — add " + g
        + " green server(s) at weight 0, wait until every LB checks them UP, then give them traffic");
    if (o.strategy() == ShiftStrategy.PORT_SWAP) {
      lb.add("frontends :" + o.blueFrontendPort() + " (blue) and :" + o.greenFrontendPort() + " (green)");
    }
    if (p.mode() == PlanMode.FIRST_DEPLOY || p.blue().isEmpty()) {
      return new DeploymentPlan(p, p.greenDefinition().map(Object::toString).orElse(""), calls, perAgent(agents, lb));
    }
    AppStatus blue = p.blue().get();
    List<TaskStatus> blueTasks = blue.tasks().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
    int b = blue.instances();
    int target = p.targetInstances();
    int goal = p.goalInstances();
    boolean canary = goal < target;
    int killed = 0;
    boolean stepwise = o.strategy() == ShiftStrategy.INSTANCE_RATIO && o.keepPrevious().isZero();
    if (stepwise) {
      for (int guard = 0; guard < 10_000; guard++) {
        if (canary && g >= goal && b <= target - goal) {
          lb.add("hold: canary " + g + " green beside " + b + " blue; waits for promote or abort");
          break;
        }
        if (!canary && g >= target) {
          if (b > 0) {
            lb.add("drain " + names(blueTasks, killed, b) + "; wait for 0 connections on every LB"
                + (o.pendingMetric().isPresent() ? " and " + o.pendingMetric().get() + " = 0" : ""));
          }
          calls.add(new PlannedCall("DELETE", "/v2/apps" + blue.id(), "", "delete the drained blue app (kills its last tasks)"));
          lb.add("remove the last blue servers");
          break;
        }
        int drain = Math.max(0, g + b - target);
        drain = Math.min(drain, canary ? Math.max(0, b - (target - goal)) : b);
        if (drain > 0) {
          List<String> ids = ids(blueTasks, killed, drain);
          lb.add("drain " + names(blueTasks, killed, drain) + "; wait for 0 connections on every LB"
              + (o.pendingMetric().isPresent() ? " and " + o.pendingMetric().get() + " = 0" : ""));
          calls.add(new PlannedCall("POST", "/v2/tasks/delete?scale=true", idsJson(ids),
              "kill " + drain + " drained blue task(s)"));
          lb.add("remove " + names(blueTasks, killed, drain));
          killed += drain;
        }
        int old = b;
        b -= drain;
        if (g < goal) {
          int next = GrowthPolicy.next(g, old, goal, o.linearIncrease());
          calls.add(new PlannedCall("PUT", "/v2/apps" + green, "{\"instances\":" + next + "}", "grow green"));
          lb.add("add " + (next - g) + " green server(s) at weight 0, wait UP on every LB, then weight "
              + BackendSetComposer.DEFAULT_WEIGHT);
          g = next;
        } else if (drain == 0) {
          break;
        }
      }
    } else {
      while (g < target) {
        int next = GrowthPolicy.next(g, b, target, o.linearIncrease());
        calls.add(new PlannedCall("PUT", "/v2/apps" + green, "{\"instances\":" + next + "}", "grow green"));
        lb.add("add " + (next - g) + " green server(s) at weight 0 and wait UP on every LB");
        g = next;
      }
      switch (o.strategy()) {
        case WEIGHT_STEPS -> {
          for (int i = 0; i < o.trafficSteps().size(); i++) {
            int pct = o.trafficSteps().get(i);
            List<String> gs = new ArrayList<>();
            List<String> bs = new ArrayList<>();
            for (int k = 0; k < target; k++) {
              gs.add("g" + k);
            }
            for (int k = 0; k < b; k++) {
              bs.add("b" + k);
            }
            WeightSplit w = WeightSplit.of(pct, gs, bs);
            lb.add("step " + (i + 1) + ": green " + pct + "% (weights green " + distinct(w, gs) + ", blue "
                + distinct(w, bs) + "; effective " + w.effectiveGreenPercent() + "%)"
                + (pct == 100 ? "" : o.stepPause().isZero() ? "; wait for promote" : "; pause " + o.stepPause()));
          }
        }
        case PORT_SWAP -> lb.add("iptables: redirect :" + p.servicePort() + " to green's frontend :"
            + (p.greenColour() == io.zdd.common.model.Colour.GREEN ? o.greenFrontendPort() : o.blueFrontendPort()));
        case INSTANCE_RATIO -> lb.add("blue servers to weight 0 as green grows");
      }
      if (!o.keepPrevious().isZero()) {
        lb.add("keep blue running at weight 0 for " + o.keepPrevious());
      }
      lb.add("drain all blue servers " + names(blueTasks, 0, blueTasks.size()) + "; wait for 0 connections on every LB");
      calls.add(new PlannedCall("DELETE", "/v2/apps" + blue.id(), "", "delete the drained blue app (kills its tasks)"));
      lb.add("remove the blue servers");
    }
    return new DeploymentPlan(p, p.greenDefinition().map(Object::toString).orElse(""), calls, perAgent(agents, lb));
  }

  private static String distinct(WeightSplit w, List<String> servers) {
    return servers.stream().map(w.weights()::get).distinct().sorted().toList().toString();
  }

  private static Map<AgentId, List<String>> perAgent(List<LbAgentView> agents, List<String> lines) {
    Map<AgentId, List<String>> out = new LinkedHashMap<>();
    agents.forEach(a -> out.put(a.id(), List.copyOf(lines)));
    return out;
  }

  private static List<String> ids(List<TaskStatus> tasks, int from, int count) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      out.add(i < tasks.size() ? tasks.get(i).id() : "<blue task " + (i + 1) + ">");
    }
    return out;
  }

  private static String names(List<TaskStatus> tasks, int from, int count) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      out.add(i < tasks.size() && tasks.get(i).serving() ? ServerNames.of(tasks.get(i)) : "<blue server " + (i + 1) + ">");
    }
    return out.toString();
  }

  private static String idsJson(List<String> ids) {
    StringBuilder sb = new StringBuilder("{\"ids\":[");
    for (int i = 0; i < ids.size(); i++) {
      sb.append(i == 0 ? "" : ",").append('"').append(ids.get(i).replace("\"", "")).append('"');
    }
    return sb.append("]}").toString();
  }
}
