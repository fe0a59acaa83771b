package io.zdd.coordinator.cli;

import io.zdd.common.config.Durations;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.ZddException;
import io.zdd.common.tls.GrpcSecurity;
import io.zdd.common.tls.TlsOptions;
import io.zdd.coordinator.admin.AdminMapper;
import io.zdd.coordinator.engine.AppJson;
import io.zdd.coordinator.engine.DeploymentEngine;
import io.zdd.proto.v1.ControlRequest;
import io.zdd.proto.v1.Deployment;
import io.zdd.proto.v1.DeploymentEvent;
import io.zdd.proto.v1.DeploymentOptions;
import io.zdd.proto.v1.DrainPolicy;
import io.zdd.proto.v1.EventKind;
import io.zdd.proto.v1.GetDeploymentRequest;
import io.zdd.proto.v1.ListAgentsRequest;
import io.zdd.proto.v1.ListDeploymentsRequest;
import io.zdd.proto.v1.Outcome;
import io.zdd.proto.v1.PlanResponse;
import io.zdd.proto.v1.ShiftStrategy;
import io.zdd.proto.v1.StartDeploymentRequest;
import io.zdd.proto.v1.WatchDeploymentRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;
import io.grpc.StatusRuntimeException;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** The {@code zdd} command line: talks only to the coordinators' admin API. */
@Command(name = "zdd", mixinStandardHelpOptions = true, version = "zdd 0.1.0",
    description = "Zero-downtime blue/green and canary deployments for Marathon behind HAProxy load balancers.",
    footer = {"", ExitCodes.HELP},
    subcommands = {ZddCli.Deploy.class, ZddCli.PlanCmd.class, ZddCli.Lint.class, ZddCli.Status.class, ZddCli.ListCmd.class,
        ZddCli.History.class, ZddCli.Agents.class, ZddCli.ResetFence.class, ZddCli.Promote.class, ZddCli.Pause.class,
        ZddCli.Resume.class, ZddCli.Abort.class, DashboardCommand.class, ZddCli.Completion.class})
public final class ZddCli implements Callable<Integer> {
  @Option(names = "--coordinator", defaultValue = "${env:ZDD_COORDINATOR:-127.0.0.1:7100}",
      description = "host:port of any coordinator; the CLI follows to the leader by itself [ZDD_COORDINATOR] (default: ${DEFAULT-VALUE})",
      scope = CommandLine.ScopeType.INHERIT)
  String coordinator;

  /** Mutual TLS as an operator (give these before the subcommand, or as ZDD_TLS_* variables). */
  @Mixin TlsOptions tls = new TlsOptions();

  @Option(names = "--timeout", defaultValue = "10s", scope = CommandLine.ScopeType.INHERIT,
      converter = Durations.Converter.class,
      description = "Deadline of each admin call; with 'status --wait' how long to wait, e.g. 250ms, 10s, 5m "
          + "(default: ${DEFAULT-VALUE})")
  Duration timeout;

  /** Read by {@link #main} before anything logs (see {@link #logLevel}); declared so picocli accepts it anywhere. */
  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "Log to standard error at INFO (twice: DEBUG); without it only warnings are logged")
  boolean[] verbose;

  PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
  PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
  /** The operator's terminal for confirmations; null when there is none. */
  BufferedReader terminal;

  @Override
  public Integer call() {
    new CommandLine(this).usage(out);
    return ExitCodes.BAD_INPUT;
  }

  AdminConnection connect() {
    GrpcSecurity security;
    try {
      security = GrpcSecurity.open(tls.resolve(), "the zdd CLI");
    } catch (IOException e) {
      throw new InvalidInputException("--tls-cert", e.getMessage());
    }
    return new AdminConnection(coordinator, timeout, security);
  }

  /** Runs a command body, turning domain errors into a message and the documented exit code. */
  int run(ToIntFunction<AdminConnection> body) {
    try (AdminConnection c = connect()) {
      return body.applyAsInt(c);
    } catch (ZddException e) {
      // AdminConnection already named the coordinator and the cause when it could not be reached.
      err.println("zdd: " + oneLine(e.getMessage()));
      return ExitCodes.of(e);
    }
  }

  // ---------------------------------------------------------------- deploy / plan

  /** The deployment flags, zdd.py's names where they exist. */
  static final class DeployFlags {
    @Parameters(index = "0", paramLabel = "APP.json",
        description = "Marathon app definition with HAPROXY_DEPLOYMENT_GROUP and HAPROXY_DEPLOYMENT_ALT_PORT labels")
    Path appJson;

    @Option(names = {"-i", "--initial-instances"}, description = "Instances of the new app at creation (default 1)")
    int initialInstances;

    @Option(names = "--linear-increase", description = "Grow the new app by this many per step instead of ~50%%")
    int linearIncrease;

    @Option(names = {"-n", "--new-instances"}, description = "Canary: keep this many new instances beside the old ones and hold")
    int newInstances;

    @Option(names = {"-s", "--step-delay"}, converter = Durations.Converter.class,
        description = "Time between polls and growth steps, e.g. 5 or 5s (default 5s)")
    Duration stepDelay;

    @Option(names = {"-w", "--max-wait"}, converter = Durations.Converter.class,
        description = "How long to wait for one drain before --drain-policy applies, e.g. 300 or 5m (default 5m)")
    Duration maxWait;

    @Option(names = {"-d", "--dry-run"}, description = "Show what would happen (same as 'zdd plan'); change nothing")
    boolean dryRun;

    @Option(names = {"-f", "--force"},
        description = "Do not ask for confirmation before starting (asked only on a terminal, as zdd.py did)")
    boolean force;

    @Option(names = {"-c", "--complete-cur"}, description = "Finish a canary group in favour of the newest app")
    boolean completeCur;

    @Option(names = {"-p", "--complete-prev"}, description = "Finish a canary group in favour of the previous app (roll back)")
    boolean completePrev;

    @Option(names = {"-r", "--resume"}, description = "Continue an interrupted deployment of a group holding two apps")
    boolean resume;

    @Option(names = "--pre-kill-hook", paramLabel = "NAME", description = "Name of a hook declared on the coordinators "
        + "(--hook NAME=/absolute/path), run before each kill; non-zero rolls back. A path is refused.")
    String preKillHook;

    @Option(names = "--traffic", split = ",", paramLabel = "PCT",
        description = "Weight steps: green's share per step, e.g. 5,25,50,100")
    List<Integer> traffic;

    @Option(names = "--step-pause", converter = Durations.Converter.class,
        description = "Pause between traffic steps; 0 (default) waits for 'zdd promote' at each step but the last")
    Duration stepPause;

    @Option(names = "--analysis", paramLabel = "TEMPLATE", description = "With --traffic (or --new-instances): the analysis "
        + "template (in the "
        + "coordinators' --analysis-file) that gates each step; steps then move on when it passes, and a failure rolls back "
        + "(or pauses, as the template says). Default: the app's ZDD_ANALYSIS_TEMPLATE label, else ZDD_ANALYSIS_* rule labels")
    String analysis;

    @Option(names = "--swap", paramLabel = "port", description = "'port': flip the public port with iptables instead of weights")
    String swap;

    @Option(names = "--blue-frontend-port", description = "With --swap port: blue's own frontend port")
    int blueFrontendPort;

    @Option(names = "--green-frontend-port", description = "With --swap port: green's own frontend port")
    int greenFrontendPort;

    @Option(names = "--drain-policy", description = "At --max-wait: wait, shutdown (cut sessions) or abort (roll back); default wait")
    String drainPolicy;

    @Option(names = "--health-timeout", converter = Durations.Converter.class,
        description = "How long green may take to be healthy everywhere before rolling back (default 10m)")
    Duration healthTimeout;

    @Option(names = "--keep-previous", converter = Durations.Converter.class,
        description = "How long to keep blue at weight 0 after the switch, so a rollback is a routing flip")
    Duration keepPrevious;

    @Option(names = "--pending-metric", description = "Prometheus gauge of pending operations on each task; kill a drained task only at 0")
    String pendingMetric;

    @Option(names = "--pending-metric-path", description = "Path of the tasks' metrics endpoint (default /metrics)")
    String pendingMetricPath;

    @Option(names = "--pending-metric-port-index", description = "Index of the task port serving metrics (default 0)")
    int pendingMetricPortIndex;

    StartDeploymentRequest request() {
      String json;
      try {
        json = Files.readString(appJson, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new InvalidInputException("APP.json", "cannot read " + appJson + ": " + e.getMessage());
      }
      DeploymentOptions.Builder o = DeploymentOptions.newBuilder()
          .setInitialInstances(nonNegative("--initial-instances", initialInstances))
          .setLinearIncrease(nonNegative("--linear-increase", linearIncrease))
          .setNewInstances(nonNegative("--new-instances", newInstances))
          .setStepDelayMs(millis("--step-delay", stepDelay))
          .setMaxWaitMs(millis("--max-wait", maxWait))
          .setDryRun(dryRun).setForce(force).setCompleteCur(completeCur).setCompletePrev(completePrev).setResume(resume)
          .setPreKillHook(preKillHook == null ? "" : preKillHook)
          .setStepPauseMs(millis("--step-pause", stepPause))
          .setHealthTimeoutMs(millis("--health-timeout", healthTimeout))
          .setKeepPreviousMs(millis("--keep-previous", keepPrevious))
          .setPendingMetric(pendingMetric == null ? "" : pendingMetric)
          .setPendingMetricPath(pendingMetricPath == null ? "" : pendingMetricPath)
          .setPendingMetricPortIndex(nonNegative("--pending-metric-port-index", pendingMetricPortIndex))
          .setBlueFrontendPort(nonNegative("--blue-frontend-port", blueFrontendPort))
          .setGreenFrontendPort(nonNegative("--green-frontend-port", greenFrontendPort))
          .setAnalysis(analysis == null ? "" : analysis);
      if (traffic != null) {
        o.addAllTrafficStepsPercent(traffic).setStrategy(ShiftStrategy.WEIGHT_STEPS);
      }
      if (swap != null) {
        if (!swap.equals("port")) {
          throw new InvalidInputException("--swap", "the only swap mode is 'port', got '" + swap + "'");
        }
        if (traffic != null) {
          throw new InvalidInputException("--swap", "cannot be combined with --traffic");
        }
        o.setStrategy(ShiftStrategy.PORT_SWAP);
      }
      if (drainPolicy != null) {
        o.setDrainPolicy(switch (drainPolicy) {
          case "wait" -> DrainPolicy.WAIT;
          case "shutdown" -> DrainPolicy.SHUTDOWN;
          case "abort" -> DrainPolicy.ABORT_DEPLOYMENT;
          default -> throw new InvalidInputException("--drain-policy", "must be wait, shutdown or abort, got '" + drainPolicy + "'");
        });
      }
      StartDeploymentRequest req = StartDeploymentRequest.newBuilder().setAppJson(json).setOptions(o).build();
      check(req);
      return req;
    }

    /**
     * The coordinator's own input checks ({@link DeploymentEngine#checkInput}), run here before
     * anyone is contacted; an error names the file and the field.
     */
    AppJson check(StartDeploymentRequest req) {
      try {
        return DeploymentEngine.checkInput(req.getAppJson(), AdminMapper.options(req.getOptions()));
      } catch (InvalidInputException e) {
        String where = e.field().startsWith("options.") ? e.field() : appJson + ": " + e.field();
        throw new InvalidInputException(where, e.reason());
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(appJson.toString(), String.valueOf(e.getMessage()));
      }
    }

    private static int nonNegative(String flag, int v) {
      if (v < 0) {
        throw new InvalidInputException(flag, "must not be negative, got " + v);
      }
      return v;
    }

    /** 0 (the coordinator's default) when not given. */
    private static int millis(String flag, Duration d) {
      if (d == null) {
        return 0;
      }
      if (d.toMillis() > Integer.MAX_VALUE) {
        throw new InvalidInputException(flag, "must be at most " + Integer.MAX_VALUE / 86_400_000 + " days, got "
            + Durations.format(d));
      }
      return (int) d.toMillis();
    }
  }

  @Command(name = "deploy", mixinStandardHelpOptions = true,
      description = "Deploy APP.json as blue/green or canary and follow it live until it finishes or holds.",
      footer = {"", ExitCodes.HELP})
  static final class Deploy implements Callable<Integer> {
    @ParentCommand ZddCli cli;
    @Mixin DeployFlags flags;

    @Option(names = {"-j", "--json"}, description = "Print one JSON object per event instead of the live view")
    boolean json;

    @Option(names = "--detach", description = "Start the deployment and return without following it")
    boolean detach;

    @Override
    public Integer call() {
      StartDeploymentRequest req;
      try {
        req = flags.request();
      } catch (ZddException e) {
        cli.err.println("zdd: " + oneLine(e.getMessage()));
        return ExitCodes.of(e);
      }
      if (flags.dryRun) {
        return cli.run(c -> {
          PlanResponse p = c.call(x -> x.blocking().plan(req));
          if (json) {
            cli.out.println(EventPrinter.planJson(p));
            return ExitCodes.OK;
          }
          return PlanCmd.printPlan(cli.out, p);
        });
      }
      return cli.run(c -> {
        if (!flags.force && !cli.confirm("Start deploying " + req.getOptions().getStrategy() + " from "
            + flags.appJson + "?")) {
          cli.err.println("zdd: not deployed (answer 'y' to go on, or pass --force)");
          return ExitCodes.DECLINED;
        }
        Deployment d = c.call(x -> x.blocking().startDeployment(req));
        if (!json) {
          cli.out.printf("deployment %s of group %s: %s -> %s (via %s)%n", d.getId(), d.getGroup(),
              d.getBlueAppId().isEmpty() ? "(first deployment)" : d.getBlueAppId(), d.getGreenAppId(), c.target());
        }
        if (detach) {
          if (json) {
            cli.out.println(EventPrinter.deploymentJson(d));
          }
          return ExitCodes.OK;
        }
        return follow(cli, c, d.getId(), new EventPrinter(cli.out, json));
      });
    }
  }

  /** Streams a deployment's events until it finishes or holds; the exit code follows the outcome. */
  static int follow(ZddCli cli, AdminConnection c, String id, EventPrinter printer) {
    Deployment last = null;
    Iterator<DeploymentEvent> it = c.call(x -> x.streaming().watchDeployment(WatchDeploymentRequest.newBuilder().setId(id).build()));
    try {
      while (it.hasNext()) {
        DeploymentEvent e = it.next();
        printer.print(e);
        last = e.getDeployment();
        if (e.getKind() == EventKind.WAITING_FOR_PROMOTE) {
          if (printer != null) {
            cli.err.printf("held: run 'zdd promote %s' to continue or 'zdd abort %s' to roll back%n", id, id);
          }
          return ExitCodes.OK;
        }
        if (e.getKind() == EventKind.FINISHED) {
          break;
        }
      }
    } catch (StatusRuntimeException e) {
      throw c.failure(e);
    }
    if (last == null) {
      return ExitCodes.INTERNAL;
    }
    return outcomeCode(last.getOutcome());
  }

  static int outcomeCode(Outcome o) {
    return switch (o) {
      case SUCCEEDED -> ExitCodes.OK;
      case ROLLED_BACK -> ExitCodes.ROLLED_BACK;
      case FAILED -> ExitCodes.FAILED;
      default -> ExitCodes.INTERNAL;
    };
  }

  @Command(name = "plan", mixinStandardHelpOptions = true,
      description = "Show the Marathon calls, per-LB changes and gates (analysis, webhooks) a deployment of APP.json would "
          + "make. Changes nothing.")
  static final class PlanCmd implements Callable<Integer> {
    @ParentCommand ZddCli cli;
    @Mixin DeployFlags flags;

    @Override
    public Integer call() {
      StartDeploymentRequest req;
      try {
        req = flags.request();
      } catch (ZddException e) {
        cli.err.println("zdd: " + oneLine(e.getMessage()));
        return ExitCodes.of(e);
      }
      return cli.run(c -> printPlan(cli.out, c.call(x -> x.blocking().plan(req))));
    }

    static int printPlan(PrintWriter out, PlanResponse p) {
      Deployment d = p.getDeployment();
      out.printf("group %s: blue (%s) -> green (%s)%n", d.getGroup(),
          d.getBlueAppId().isEmpty() ? "none: first deployment" : d.getBlueAppId(), d.getGreenAppId());
      out.println("Marathon calls:");
      int i = 1;
      for (var call : p.getMarathonCallsList()) {
        out.printf("  %2d. %-6s %-40s %s%n", i++, call.getMethod(), call.getPath(), call.getPurpose());
      }
      for (var lb : p.getLbChangesList()) {
        out.printf("LB %s:%n", lb.getAgentId());
        lb.getChangesList().forEach(ch -> out.printf("      %s%n", ch));
      }
      if (p.getGatesCount() > 0) {
        out.println("Gates:");
        p.getGatesList().forEach(g -> out.printf("  %s%n", g));
      }
      if (!p.getGreenAppJson().isEmpty()) {
        out.println("Green app definition:");
        out.println(p.getGreenAppJson());
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  // ---------------------------------------------------------------- reads

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Show one deployment (follow it live with --watch).",
          "With --wait: wait until it ends, print it, and exit with its outcome (0 succeeded, 3 rolled back, 4 failed)",
          "or 11 if it has not ended within --timeout."},
      footer = {"", ExitCodes.HELP})
  static final class Status implements Callable<Integer> {
    @ParentCommand ZddCli cli;
    @Parameters(paramLabel = "ID", description = "deployment id") String id;
    @Option(names = "--watch", description = "Follow it live until it finishes") boolean watch;
    @Option(names = "--wait", description = "Wait (at most --timeout) until it ends; the exit code is its outcome") boolean waitEnd;
    @Option(names = {"-j", "--json"}, description = "JSON output") boolean json;

    @Override
    public Integer call() {
      return cli.run(c -> {
        if (waitEnd) {
          return waitForEnd(c);
        }
        if (watch) {
          return follow(cli, c, id, new EventPrinter(cli.out, json));
        }
        Deployment d = c.call(x -> x.blocking().getDeployment(GetDeploymentRequest.newBuilder().setId(id).build()));
        if (json) {
          cli.out.println(EventPrinter.deploymentJson(d));
        } else {
          printDeployment(cli.out, d);
        }
        return ExitCodes.OK;
      });
    }

    /**
     * Watches until the FINISHED event (a hold for promote is not an end), bounded by --timeout as
     * a whole. A watch the coordinator ends early (a leader change) is opened again.
     */
    private int waitForEnd(AdminConnection c) {
      Instant until = Instant.now().plus(cli.timeout);
      Deployment last = c.call(x -> x.blocking().getDeployment(GetDeploymentRequest.newBuilder().setId(id).build()));
      while (last.getOutcome() == Outcome.OUTCOME_UNSPECIFIED) {
        Duration left = Duration.between(Instant.now(), until);
        if (left.isNegative() || left.isZero()) {
          return timedOut(last);
        }
        try {
          Iterator<DeploymentEvent> it = c.streaming(left).watchDeployment(WatchDeploymentRequest.newBuilder().setId(id).build());
          while (it.hasNext()) {
            DeploymentEvent e = it.next();
            last = e.getDeployment();
            if (e.getKind() == EventKind.FINISHED) {
              break;
            }
          }
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != io.grpc.Status.Code.DEADLINE_EXCEEDED) {
            throw c.failure(e);
          }
          return timedOut(last);
        }
        if (last.getOutcome() == Outcome.OUTCOME_UNSPECIFIED) {
          last = c.call(x -> x.blocking().getDeployment(GetDeploymentRequest.newBuilder().setId(id).build()));
        }
      }
      show(last);
      return outcomeCode(last.getOutcome());
    }

    private int timedOut(Deployment last) {
      show(last);
      cli.err.printf("zdd: deployment %s has not ended within %s (phase %s); it goes on%n", id, Durations.format(cli.timeout),
          last.getPhase());
      return ExitCodes.TIMED_OUT;
    }

    private void show(Deployment d) {
      if (json) {
        cli.out.println(EventPrinter.deploymentJson(d));
      } else {
        printDeployment(cli.out, d);
      }
    }
  }

  static void printDeployment(PrintWriter out, Deployment d) {
    out.printf("%s  group=%s  phase=%s  outcome=%s%s  epoch=%d%n", d.getId(), d.getGroup(), d.getPhase(),
        d.getOutcome() == Outcome.OUTCOME_UNSPECIFIED ? "running" : d.getOutcome().name(),
        d.getPaused() ? " (held)" : "", d.getEpoch());
    out.printf("    blue (%s) -> green (%s)  %s%n", d.getBlueAppId().isEmpty() ? "none" : d.getBlueAppId(), d.getGreenAppId(),
        EventPrinter.traffic(d));
    d.getDrainList().forEach(p -> out.printf("    %-16s %s %d/%d drained, %d connections%n", p.getAgentId(),
        EventPrinter.bar(p.getServersDrained(), p.getServersTotal()), p.getServersDrained(), p.getServersTotal(), p.getConnections()));
    if (!d.getMessage().isEmpty()) {
      out.printf("    %s%n", d.getMessage());
    }
    d.getAuditList().forEach(a -> out.printf("    audit: %s%n", a));
    d.getPendingControlsList().forEach(c -> out.printf("    pending: %s (applied when the step in progress ends)%n", c));
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List running deployments (--all: also finished ones).")
  static final class ListCmd implements Callable<Integer> {
    @ParentCommand ZddCli cli;
    @Option(names = {"-a", "--all"}, description = "Include finished deployments") boolean all;
    @Option(names = {"-j", "--json"}, description = "JSON output, one deployment per line") boolean json;

    @Override
    public Integer call() {
      return cli.run(c -> {
        var r = c.call(x -> x.blocking().listDeployments(ListDeploymentsRequest.newBuilder().setIncludeFinished(all).build()));
        if (r.getDeploymentsCount() == 0 && !json) {
          cli.out.println(all ? "no deployments" : "no running deployments");
        }
        r.getDeploymentsList().forEach(d -> {
          if (json) {
            cli.out.println(EventPrinter.deploymentJson(d));
          } else {
            printDeployment(cli.out, d);
          }
        });
        return ExitCodes.OK;
      });
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true,
      description = "Past (and running) deployments of one group, newest first, with outcome and duration.")
  static final class History implements Callable<Integer> {
    @ParentCommand ZddCli cli;
    @Parameters(index = "0", paramLabel = "GROUP", description = "deployment group (HAPROXY_DEPLOYMENT_GROUP)") String group;
    @Option(names = {"-j", "--json"}, description = "JSON output, one deployment per line") boolean json;

    @Override
    public Integer call() {
      return cli.run(c -> {
        var r = c.call(x -> x.blocking().listDeployments(ListDeploymentsRequest.newBuilder().setIncludeFinished(true)
            .setGroup(group).build()));
        if (r.getDeploymentsCount() == 0 && !json) {
          cli.out.println("no deployments of group " + group);
        }
        for (Deployment d : r.getDeploymentsList()) {
          if (json) {
            cli.out.println(EventPrinter.deploymentJson(d));
          } else {
            cli.out.printf("%-36s  %-20s  %-11s  %8s  blue (%s) -> green (%s)%s%n", d.getId(),
                d.getStartedAtUnixMs() == 0 ? "-" : Instant.ofEpochMilli(d.getStartedAtUnixMs()).toString(),
                d.getOutcome() == Outcome.OUTCOME_UNSPECIFIED ? "RUNNING" : d.getOutcome().name(),
                EventPrinter.duration(d).map(Durations::format).orElse("-"),
                d.getBlueAppId().isEmpty() ? "none" : d.getBlueAppId(), d.getGreenAppId(),
                d.getMessage().isEmpty() ? "" : "  " + oneLine(d.getMessage()));
          }
        }
        return ExitCodes.OK;
      });
    }
  }

  @Command(name = "lint", mixinStandardHelpOptions = true,
      description = {"Check APP.json and its labels (and the deployment flags) with the coordinator's own rules, locally.",
          "Contacts nobody; 'zdd deploy' and 'zdd plan' run the same check first."},
      footer = {"", ExitCodes.HELP})
  static final class Lint implements Callable<Integer> {
    @ParentCommand ZddCli cli;
    @Mixin DeployFlags flags;
    @Option(names = {"-j", "--json"}, description = "JSON output: one object with ok, file, and field and error when not ok")
    boolean json;

    @Override
    public Integer call() {
      AppJson app;
      try {
        StartDeploymentRequest req = flags.request();
        app = flags.check(req);
      } catch (InvalidInputException e) {
        if (json) {
          String file = flags.appJson.toString();
          String field = e.field().startsWith(file + ": ") ? e.field().substring(file.length() + 2) : e.field();
          cli.out.println(EventPrinter.lintJson(file, field, e.reason()));
        }
        cli.err.println("zdd: " + oneLine(e.getMessage()));
        return ExitCodes.BAD_INPUT;
      }
      if (json) {
        cli.out.println(EventPrinter.lintJson(flags.appJson.toString(), app));
      } else {
        cli.out.printf("%s: ok (app %s, group %s, service port %d, alt port %d, %d instances)%n", flags.appJson, app.id(),
            app.group(), app.servicePort(), app.altPort(), app.instances());
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "completion", mixinStandardHelpOptions = true,
      description = {"Print a shell completion script: bash or zsh.",
          "  bash: source <(zdd completion bash)      zsh: source <(zdd completion zsh)"})
  static final class Completion implements Callable<Integer> {
    @ParentCommand ZddCli cli;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh") String shell;

    @Override
    public Integer call() {
      String bash = AutoComplete.bash("zdd", spec.root().commandLine());
      switch (shell) {
        case "bash" -> cli.out.print(bash);
        case "zsh" -> {
          // zsh runs the bash script through its bash-compatibility layer.
          cli.out.println("autoload -U +X compinit && compinit");
          cli.out.println("autoload -U +X bashcompinit && bashcompinit");
          cli.out.print(bash);
        }
        default -> {
          cli.err.println("zdd: SHELL: must be bash or zsh, got '" + shell + "'");
          return ExitCodes.BAD_INPUT;
        }
      }
      cli.out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(name = "reset-fence", mixinStandardHelpOptions = true,
      description = {"Align one agent's epoch fence with the leader epoch in ZooKeeper (admin role).",
          "Only after ZooKeeper was restored from a backup and its epoch counter went back: the agent",
          "then refuses every new leader as stale. The agent checks the epoch against ZooKeeper itself."})
  static final class ResetFence implements Callable<Integer> {
    @ParentCommand ZddCli cli;

    @Parameters(index = "0", paramLabel = "AGENT_ID", description = "the agent, as `zdd agents` lists it")
    String agentId;

    @Override
    public Integer call() {
      return cli.run(c -> {
        var r = c.call(x -> x.blocking().resetAgentFence(io.zdd.proto.v1.ResetAgentFenceRequest.newBuilder()
            .setAgentId(agentId).build()));
        cli.out.printf("agent %s: epoch fence %d -> %d%n", agentId, r.getPreviousHighestEpoch(), r.getHighestEpoch());
        return ExitCodes.OK;
      });
    }
  }

  @Command(name = "agents", mixinStandardHelpOptions = true, description = "List the lb-agents and whether they are connected.")
  static final class Agents implements Callable<Integer> {
    @ParentCommand ZddCli cli;

    @Override
    public Integer call() {
      return cli.run(c -> {
        var r = c.call(x -> x.blocking().listAgents(ListAgentsRequest.getDefaultInstance()));
        cli.out.printf("leader: %s%n", r.getLeader().isEmpty() ? "(none)" : r.getLeader());
        r.getAgentsList().forEach(a -> cli.out.printf("%-16s %-22s %-12s haproxy %s groups %s%n", a.getAgentId(),
            a.getAddress(), a.getConnected() ? "connected" : "DISCONNECTED", a.getHaproxyVersion(),
            a.getGroupsList().isEmpty() ? "(all)" : String.join(",", a.getGroupsList())));
        return ExitCodes.OK;
      });
    }
  }

  // ---------------------------------------------------------------- controls

  abstract static class Control implements Callable<Integer> {
    @ParentCommand ZddCli cli;
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "deployment id") String id;
    @Option(names = {"-g", "--group"}, description = "the group's running deployment (instead of ID)") String group;

    abstract Deployment send(AdminConnection c, ControlRequest req);

    /** Adds this control's own fields to the request. */
    ControlRequest.Builder with(ControlRequest.Builder b) {
      return b;
    }

    @Override
    public Integer call() {
      if ((id == null) == (group == null)) {
        cli.err.println("zdd: give either a deployment ID or --group GROUP");
        return ExitCodes.BAD_INPUT;
      }
      ControlRequest req = with(ControlRequest.newBuilder().setId(id == null ? "" : id).setGroup(group == null ? "" : group)).build();
      return cli.run(c -> {
        printDeployment(cli.out, c.call(x -> send(x, req)));
        return ExitCodes.OK;
      });
    }
  }

  @Command(name = "promote", mixinStandardHelpOptions = true, description = "Move a held canary or traffic step on.")
  static final class Promote extends Control {
    @Option(names = "--skip-analysis", description = "Move a step gated by analysis on without it (running, failed or "
        + "inconclusive), releasing the pause an analysis set and skipping confirm-promotion webhooks; recorded in the audit trail")
    boolean skipAnalysis;

    @Override
    ControlRequest.Builder with(ControlRequest.Builder b) {
      return b.setSkipAnalysis(skipAnalysis);
    }

    @Override
    Deployment send(AdminConnection c, ControlRequest req) {
      return c.blocking().promote(req);
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Hold a running deployment at its current step.")
  static final class Pause extends Control {
    @Override
    Deployment send(AdminConnection c, ControlRequest req) {
      return c.blocking().pause(req);
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Release a paused deployment.")
  static final class Resume extends Control {
    @Override
    Deployment send(AdminConnection c, ControlRequest req) {
      return c.blocking().resume(req);
    }
  }

  @Command(name = "abort", mixinStandardHelpOptions = true,
      description = "Roll a deployment back: traffic to blue first, then green removed.")
  static final class Abort extends Control {
    @Override
    Deployment send(AdminConnection c, ControlRequest req) {
      return c.blocking().abort(req);
    }
  }

  /**
   * Asks the operator on the terminal; true without a terminal (scripts and pipelines are never
   * asked) and for an answer starting with y.
   */
  boolean confirm(String question) {
    if (terminal == null) {
      return true;
    }
    err.print(question + " [y/N] ");
    err.flush();
    try {
      String answer = terminal.readLine();
      return answer != null && answer.trim().toLowerCase(Locale.ROOT).startsWith("y");
    } catch (IOException e) {
      return false;
    }
  }

  /** Entry point; returns the exit code (tests call this instead of main). */
  public static int execute(PrintWriter rawOut, PrintWriter rawErr, String... args) {
    return execute(rawOut, rawErr, System.console() == null ? null : new BufferedReader(System.console().reader()), args);
  }

  /** @param terminal where the operator answers confirmations; null when there is no terminal */
  static int execute(PrintWriter rawOut, PrintWriter rawErr, BufferedReader terminal, String... args) {
    PrintWriter out = TerminalSafeWriter.wrap(rawOut);
    PrintWriter err = TerminalSafeWriter.wrap(rawErr);
    ZddCli cli = new ZddCli();
    cli.out = out;
    cli.err = err;
    cli.terminal = terminal;
    CommandLine cmd = new CommandLine(cli);
    cmd.setOut(out);
    cmd.setErr(err);
    cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      err.println("zdd: " + oneLine(ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
      return ExitCodes.of(ex);
    });
    return cmd.execute(args);
  }

  /** Messages are one line each, so a script can read the reason from the last line of standard error. */
  static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").strip();
  }

  /**
   * The log level for the CLI: WARN, INFO with one --verbose, DEBUG with two. Decided from the raw
   * arguments because logging must be set up before the first class that logs is loaded.
   */
  static String logLevel(String[] args) {
    long verbose = Arrays.stream(args).takeWhile(a -> !a.equals("--")).filter("--verbose"::equals).count();
    return verbose == 0 ? "WARN" : verbose == 1 ? "INFO" : "DEBUG";
  }

  public static void main(String[] args) {
    // The one logback.xml of common reads the level from zdd.log.level; a status listener of our
    // own keeps logback's status lines (for example "resource logback.xml occurs multiple times")
    // from being printed to standard output, which carries only the program's output.
    String level = logLevel(args);
    if (!level.equals("WARN") || System.getProperty("zdd.log.level") == null) {
      System.setProperty("zdd.log.level", level);
    }
    if (System.getProperty("logback.statusListenerClass") == null) {
      System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
    }
    System.exit(execute(new PrintWriter(System.out, true, StandardCharsets.UTF_8),
        new PrintWriter(System.err, true, StandardCharsets.UTF_8), args));
  }
}
