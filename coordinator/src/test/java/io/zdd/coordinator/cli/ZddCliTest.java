package io.zdd.coordinator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.zdd.common.error.NotLeaderException;
import io.zdd.common.grpc.GrpcServerLimits;
import io.zdd.common.grpc.StatusMapper;
import io.zdd.common.testing.TestPki;
import io.zdd.proto.v1.Colour;
import io.zdd.proto.v1.CoordinatorAdminGrpc;
import io.zdd.proto.v1.Deployment;
import io.zdd.proto.v1.DeploymentEvent;
import io.zdd.proto.v1.EventKind;
import io.zdd.proto.v1.GetDeploymentRequest;
import io.zdd.proto.v1.ListAgentsRequest;
import io.zdd.proto.v1.ListAgentsResponse;
import io.zdd.proto.v1.ListDeploymentsRequest;
import io.zdd.proto.v1.ListDeploymentsResponse;
import io.zdd.proto.v1.Outcome;
import io.zdd.proto.v1.Phase;
import io.zdd.proto.v1.PlanResponse;
import io.zdd.proto.v1.PlannedLbChange;
import io.zdd.proto.v1.PlannedMarathonCall;
import io.zdd.proto.v1.StartDeploymentRequest;
import io.zdd.proto.v1.TrafficShare;
import io.zdd.proto.v1.WatchDeploymentRequest;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The CLI over real gRPC (Netty on 127.0.0.1) against a scripted admin service: what it sends,
 * what it prints ({@code --json} events, the live view, {@code plan}), and its exit codes. The
 * coordinator side of the same calls is exercised end to end in the deploy module's
 * EndToEndDeploymentIT; this test pins the client's contract, including outcomes (rollback)
 * that are slow to produce for real.
 */
class ZddCliTest {
  @TempDir Path dir;
  private final List<Server> servers = new ArrayList<>();
  private final List<AutoCloseable> closers = new ArrayList<>();
  private TestPki pki;

  @org.junit.jupiter.api.BeforeEach
  void pki() {
    pki = TestPki.in(dir.resolve("pki"));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closers) {
      c.close();
    }
    pki.close();
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Answers StartDeployment with d1 and streams a scripted deployment ending in {@code outcome}. */
  static class ScriptedAdmin extends CoordinatorAdminGrpc.CoordinatorAdminImplBase {
    final Outcome outcome;
    final List<StartDeploymentRequest> starts = new CopyOnWriteArrayList<>();

    ScriptedAdmin(Outcome outcome) {
      this.outcome = outcome;
    }

    static Deployment d(Phase phase, Outcome outcome, double green) {
      return Deployment.newBuilder().setId("d1").setGroup("web").setPhase(phase).setOutcome(outcome)
          .setBlueAppId("/web-blue").setGreenAppId("/web-green").setGreenColour(Colour.GREEN).setEpoch(3)
          .addTraffic(TrafficShare.newBuilder().setColour(Colour.BLUE).setPercent(100 - green))
          .addTraffic(TrafficShare.newBuilder().setColour(Colour.GREEN).setPercent(green))
          .build();
    }

    @Override
    public void startDeployment(StartDeploymentRequest req, StreamObserver<Deployment> out) {
      starts.add(req);
      if (!req.getAppJson().contains("HAPROXY_DEPLOYMENT_GROUP")) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("labels.HAPROXY_DEPLOYMENT_GROUP: is required").asRuntimeException());
        return;
      }
      out.onNext(d(Phase.PREFLIGHT, Outcome.OUTCOME_UNSPECIFIED, 0));
      out.onCompleted();
    }

    @Override
    public void watchDeployment(WatchDeploymentRequest req, StreamObserver<DeploymentEvent> out) {
      long seq = 1;
      out.onNext(ev(seq++, EventKind.PHASE_CHANGED, "PREFLIGHT -> CREATE_GREEN", d(Phase.CREATE_GREEN, Outcome.OUTCOME_UNSPECIFIED, 0)));
      out.onNext(ev(seq++, EventKind.TRAFFIC_SHIFTED, "green 50%", d(Phase.SHIFT_TRAFFIC, Outcome.OUTCOME_UNSPECIFIED, 50)));
      Deployment draining = d(Phase.DRAIN_BLUE, Outcome.OUTCOME_UNSPECIFIED, 100).toBuilder()
          .addDrain(io.zdd.proto.v1.LbDrainProgress.newBuilder().setAgentId("lb-1").setServersTotal(2).setServersDrained(1)
              .setConnections(3))
          .build();
      out.onNext(ev(seq++, EventKind.DRAIN_PROGRESS, "drain", draining));
      out.onNext(ev(seq++, EventKind.TASKS_KILLED, "killed", draining).toBuilder().addTaskIds("web-blue.t1").build());
      Phase last = outcome == Outcome.ROLLED_BACK ? Phase.DONE : Phase.DONE;
      out.onNext(ev(seq, EventKind.FINISHED, outcome.name(), d(last, outcome, outcome == Outcome.SUCCEEDED ? 100 : 0)));
      out.onCompleted();
    }

    @Override
    public void getDeployment(GetDeploymentRequest req, StreamObserver<Deployment> out) {
      out.onNext(d(Phase.SHIFT_TRAFFIC, Outcome.OUTCOME_UNSPECIFIED, 50));
      out.onCompleted();
    }

    @Override
    public void plan(StartDeploymentRequest req, StreamObserver<PlanResponse> out) {
      out.onNext(PlanResponse.newBuilder()
          .setDeployment(d(Phase.PREFLIGHT, Outcome.OUTCOME_UNSPECIFIED, 0))
          .setGreenAppJson("{\"id\":\"/web-green\"}")
          .addMarathonCalls(PlannedMarathonCall.newBuilder().setMethod("POST").setPath("/v2/apps")
              .setPurpose("create green with 1 instance"))
          .addMarathonCalls(PlannedMarathonCall.newBuilder().setMethod("POST").setPath("/v2/tasks/delete?scale=true")
              .setPurpose("kill drained blue tasks"))
          .addMarathonCalls(PlannedMarathonCall.newBuilder().setMethod("DELETE").setPath("/v2/apps/web-blue").setPurpose("delete blue"))
          .addLbChanges(PlannedLbChange.newBuilder().setAgentId("lb-1").addChanges("add server web/web-green.1 weight 0")
              .addChanges("set server web/web-blue.1 state drain"))
          .build());
      out.onCompleted();
    }

    private static DeploymentEvent ev(long seq, EventKind kind, String msg, Deployment d) {
      return DeploymentEvent.newBuilder().setDeploymentId("d1").setSequence(seq).setAtUnixMs(1_790_000_000_000L + seq * 1000)
          .setKind(kind).setMessage(msg).setDeployment(d).build();
    }
  }

  /** A standby: every call fails with UNAVAILABLE naming the leader, as the real AdminService does. */
  static final class Standby extends CoordinatorAdminGrpc.CoordinatorAdminImplBase {
    final String leader;

    Standby(String leader) {
      this.leader = leader;
    }

    @Override
    public void startDeployment(StartDeploymentRequest req, StreamObserver<Deployment> out) {
      out.onError(StatusMapper.toStatusException(new NotLeaderException(leader)));
    }

    @Override
    public void watchDeployment(WatchDeploymentRequest req, StreamObserver<DeploymentEvent> out) {
      out.onError(StatusMapper.toStatusException(new NotLeaderException(leader)));
    }
  }

  private String serve(io.grpc.BindableService svc) throws Exception {
    io.zdd.common.tls.GrpcSecurity tls = io.zdd.common.tls.GrpcSecurity.open(
        Optional.of(pki.issue(io.zdd.common.tls.SpiffeId.Role.COORDINATOR, "c1")), "scripted coordinator");
    Server s = tls.server(new InetSocketAddress("127.0.0.1", 0), "scripted", GrpcServerLimits.withThreads(4))
        .addService(svc).build().start();
    closers.add(tls);
    servers.add(s);
    return "127.0.0.1:" + ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
  }

  private record Run(int exit, String out, String err) {}

  /** The CLI as the operator "op", over mutual TLS. */
  private Run cli(String... args) {
    return cliAtTerminal(null, args);
  }

  /** As {@link #cli}, with {@code answers} typed at a terminal (null: no terminal). */
  private Run cliAtTerminal(String answers, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(io.zdd.common.tls.TlsOptions.flags(pki.issue(io.zdd.common.tls.SpiffeId.Role.OPERATOR, "op")));
    all.addAll(List.of(args));
    int code = ZddCli.execute(new PrintWriter(out, true), new PrintWriter(err, true),
        answers == null ? null : new BufferedReader(new StringReader(answers)), all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private Path app(String json) throws Exception {
    Path f = dir.resolve("app.json");
    Files.writeString(f, json);
    return f;
  }

  private static final String APP = "{\"id\":\"/web\",\"portDefinitions\":[{\"port\":10000}],"
      + "\"labels\":{\"HAPROXY_DEPLOYMENT_GROUP\":\"web\",\"HAPROXY_DEPLOYMENT_ALT_PORT\":\"10001\"}}";

  @Test
  void deployJson_printsOneEventPerLine_andExitsZeroOnSuccess() throws Exception {
    ScriptedAdmin admin = new ScriptedAdmin(Outcome.SUCCEEDED);
    Run r = cli("--coordinator", serve(admin), "deploy", app(APP).toString(), "--json", "--traffic", "10,50,100",
        "--max-wait", "30", "--drain-policy", "shutdown", "--keep-previous", "60", "--pending-metric", "queued_tx");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    String[] lines = r.out().strip().split("\n");
    assertThat(lines).hasSize(5);
    ObjectMapper m = new ObjectMapper();
    List<String> kinds = new ArrayList<>();
    for (String l : lines) {
      JsonNode n = m.readTree(l);
      kinds.add(n.get("kind").asText());
      assertThat(n.get("deployment").get("id").asText()).isEqualTo("d1");
    }
    assertThat(kinds).containsExactly("PHASE_CHANGED", "TRAFFIC_SHIFTED", "DRAIN_PROGRESS", "TASKS_KILLED", "FINISHED");
    assertThat(m.readTree(lines[3]).get("task_ids").get(0).asText()).isEqualTo("web-blue.t1");
    assertThat(m.readTree(lines[1]).get("deployment").get("traffic").get("green").asDouble()).isEqualTo(50.0);

    var sent = admin.starts.get(0).getOptions();
    assertThat(sent.getTrafficStepsPercentList()).containsExactly(10, 50, 100);
    assertThat(sent.getStrategy()).isEqualTo(io.zdd.proto.v1.ShiftStrategy.WEIGHT_STEPS);
    assertThat(sent.getMaxWaitMs()).isEqualTo(30_000);
    assertThat(sent.getDrainPolicy()).isEqualTo(io.zdd.proto.v1.DrainPolicy.SHUTDOWN);
    assertThat(sent.getKeepPreviousMs()).isEqualTo(60_000);
    assertThat(sent.getPendingMetric()).isEqualTo("queued_tx");
  }

  @Test
  void atATerminal_deployAsksFirst_noStartsNothing_yesOrForceGoesOn() throws Exception {
    ScriptedAdmin admin = new ScriptedAdmin(Outcome.SUCCEEDED);
    String coordinator = serve(admin);
    Run no = cliAtTerminal("n\n", "--coordinator", coordinator, "deploy", app(APP).toString());
    assertThat(no.exit()).isEqualTo(ExitCodes.DECLINED);
    assertThat(no.err()).contains("[y/N]").contains("not deployed");
    assertThat(admin.starts).as("nothing started").isEmpty();

    Run yes = cliAtTerminal("y\n", "--coordinator", coordinator, "deploy", app(APP).toString());
    assertThat(yes.exit()).as(yes.err()).isEqualTo(ExitCodes.OK);
    Run forced = cliAtTerminal("", "--coordinator", coordinator, "deploy", app(APP).toString(), "--force");
    assertThat(forced.exit()).as(forced.err()).isEqualTo(ExitCodes.OK);
    assertThat(forced.err()).doesNotContain("[y/N]");
    assertThat(admin.starts).hasSize(2);
  }

  @Test
  void deployLiveView_showsPhasesTrafficAndADrainBarPerLb() throws Exception {
    Run r = cli("--coordinator", serve(new ScriptedAdmin(Outcome.SUCCEEDED)), "deploy", app(APP).toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("deployment d1 of group web: /web-blue -> /web-green")
        .contains("SHIFT_TRAFFIC").contains("blue (/web-blue) 50%  green (/web-green) 50%")
        .contains("lb-1").contains("[##########----------] 1/2 servers drained, 3 connections left")
        .contains("killed: web-blue.t1");
  }

  @Test
  void rolledBackDeployment_exitsWithTheRollbackCode() throws Exception {
    Run r = cli("--coordinator", serve(new ScriptedAdmin(Outcome.ROLLED_BACK)), "deploy", app(APP).toString(), "--json");
    assertThat(r.exit()).isEqualTo(ExitCodes.ROLLED_BACK);
    assertThat(r.out()).contains("\"outcome\":\"ROLLED_BACK\"");
  }

  @Test
  void badInput_isRefusedWithAClearMessage_andTheRightCode() throws Exception {
    String coordinator = serve(new ScriptedAdmin(Outcome.SUCCEEDED));
    Run missingLabel = cli("--coordinator", coordinator, "deploy", app("{\"id\":\"/web\"}").toString());
    assertThat(missingLabel.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(missingLabel.err()).contains("HAPROXY_DEPLOYMENT_GROUP");

    Run badPolicy = cli("--coordinator", coordinator, "deploy", app(APP).toString(), "--drain-policy", "later");
    assertThat(badPolicy.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badPolicy.err()).contains("--drain-policy");

    Run noFile = cli("--coordinator", coordinator, "deploy", dir.resolve("missing.json").toString());
    assertThat(noFile.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(noFile.err()).contains("cannot read");

    Run unknownFlag = cli("--coordinator", coordinator, "deploy", app(APP).toString(), "--frobnicate");
    assertThat(unknownFlag.exit()).isEqualTo(ExitCodes.BAD_INPUT);
  }

  @Test
  void plan_listsMarathonCallsAndPerLbChanges() throws Exception {
    Run r = cli("--coordinator", serve(new ScriptedAdmin(Outcome.SUCCEEDED)), "plan", app(APP).toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("group web: blue (/web-blue) -> green (/web-green)")
        .contains("1. POST   /v2/apps").contains("2. POST   /v2/tasks/delete?scale=true")
        .contains("3. DELETE /v2/apps/web-blue")
        .contains("LB lb-1:").contains("add server web/web-green.1 weight 0");
  }

  @Test
  void standby_isFollowedToTheLeader() throws Exception {
    String leader = serve(new ScriptedAdmin(Outcome.SUCCEEDED));
    String standby = serve(new Standby(leader));
    Run r = cli("--coordinator", standby, "deploy", app(APP).toString(), "--json");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("FINISHED");
  }

  @Test
  void serverText_cannotDriveTheOperatorsTerminal() throws Exception {
    io.grpc.BindableService hostile = new io.zdd.proto.v1.CoordinatorAdminGrpc.CoordinatorAdminImplBase() {
      @Override
      public void startDeployment(StartDeploymentRequest req, StreamObserver<Deployment> out) {
        out.onError(io.grpc.Status.INVALID_ARGUMENT
            .withDescription("app_json: bad\u001b[2J\u001b]0;owned\u0007\rzdd: deployment succeeded\u0008").asRuntimeException());
      }
    };
    Run r = cli("--coordinator", serve(hostile), "deploy", app(APP).toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err()).contains("app_json: bad?[2J?]0;owned??zdd: deployment succeeded?");
    assertThat(r.err().chars()).noneMatch(c -> c < 0x20 && c != '\n' && c != '\t');
  }

  @Test
  void unreachableCoordinator_oneLineNamingAddressAndCause_exitsWithUnavailable() {
    Run r = cli("--coordinator", "127.0.0.1:1", "--timeout", "2s", "list", "--json");
    assertThat(r.exit()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.err()).isEqualTo("zdd: cannot reach coordinator 127.0.0.1:1: connection refused\n");
    assertThat(r.out()).as("nothing on standard output for a pipeline").isEmpty();
  }

  @Test
  void tlsFailures_nameTheCoordinatorAndTheCause() throws Exception {
    // A coordinator whose certificate comes from another cluster's CA.
    String coordinator = serve(new ScriptedAdmin(Outcome.SUCCEEDED));
    try (TestPki other = TestPki.in(dir.resolve("other-pki"))) {
      List<String> args = new ArrayList<>(io.zdd.common.tls.TlsOptions.flags(other.issue(io.zdd.common.tls.SpiffeId.Role.OPERATOR, "op")));
      args.addAll(List.of("--coordinator", coordinator, "list"));
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = ZddCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), (BufferedReader) null, args.toArray(String[]::new));
      assertThat(code).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(err.toString()).startsWith("zdd: cannot reach coordinator " + coordinator + ": TLS: ")
          .contains("not signed by the CA").hasLineCount(1);
    }

    // An agent's certificate where a coordinator should be.
    io.zdd.common.tls.GrpcSecurity agentTls = io.zdd.common.tls.GrpcSecurity.open(
        Optional.of(pki.issue(io.zdd.common.tls.SpiffeId.Role.AGENT, "a1")), "an agent");
    closers.add(agentTls);
    Server s = agentTls.server(new InetSocketAddress("127.0.0.1", 0), "agent", GrpcServerLimits.withThreads(2))
        .addService(new ScriptedAdmin(Outcome.SUCCEEDED)).build().start();
    servers.add(s);
    String agent = "127.0.0.1:" + ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
    Run r = cli("--coordinator", agent, "list");
    assertThat(r.exit()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.err()).startsWith("zdd: cannot reach coordinator " + agent + ": TLS: wrong identity: ")
        .contains("is not").hasLineCount(1);
  }

  @Test
  void noAnswerInTime_namesTheCoordinatorAndTheDeadline() throws Exception {
    String silent = serve(new CoordinatorAdminGrpc.CoordinatorAdminImplBase() {
      @Override
      public void listAgents(ListAgentsRequest req, StreamObserver<ListAgentsResponse> out) {
        // never answers
      }
    });
    Run r = cli("--coordinator", silent, "--timeout", "300ms", "agents");
    assertThat(r.exit()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.err()).isEqualTo("zdd: cannot reach coordinator " + silent + ": no answer within 300ms (--timeout)\n");
  }

  private static final String NO_GROUP = "{\"id\":\"/web\",\"portDefinitions\":[{\"port\":10000}],"
      + "\"labels\":{\"HAPROXY_DEPLOYMENT_ALT_PORT\":\"10001\"}}";

  @Test
  void deploy_checksTheAppLocally_beforeContactingAnyone() throws Exception {
    Path bad = app(NO_GROUP);
    for (String cmd : List.of("deploy", "plan")) {
      Run r = cli("--coordinator", "127.0.0.1:1", cmd, bad.toString(), "--force");
      assertThat(r.exit()).as(cmd + ": " + r.err()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(r.err()).as(cmd).isEqualTo("zdd: " + bad + ": labels.HAPROXY_DEPLOYMENT_GROUP: is required\n");
      assertThat(r.out()).isEmpty();
    }
  }

  @Test
  void lint_usesTheCoordinatorsRules_namingFileAndField() throws Exception {
    Path good = app(APP);
    Run ok = cli("lint", good.toString());
    assertThat(ok.exit()).as(ok.err()).isEqualTo(ExitCodes.OK);
    assertThat(ok.out()).contains(good + ": ok").contains("group web").contains("service port 10000");

    Run okJson = cli("lint", good.toString(), "--json");
    JsonNode n = new ObjectMapper().readTree(okJson.out());
    assertThat(n.get("ok").asBoolean()).isTrue();
    assertThat(n.get("group").asText()).isEqualTo("web");

    Path sameAlt = dir.resolve("same-alt.json");
    Files.writeString(sameAlt, APP.replace("10001", "10000"));
    Run alt = cli("lint", sameAlt.toString(), "--json");
    assertThat(alt.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(new ObjectMapper().readTree(alt.out()).get("field").asText()).isEqualTo("labels.HAPROXY_DEPLOYMENT_ALT_PORT");
    assertThat(alt.err()).isEqualTo("zdd: " + sameAlt + ": labels.HAPROXY_DEPLOYMENT_ALT_PORT: must differ from the service port 10000\n");

    Run badOption = cli("lint", good.toString(), "--traffic", "50,20");
    assertThat(badOption.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badOption.err()).startsWith("zdd: options.");

    Run noGroup = cli("lint", app(NO_GROUP).toString());
    assertThat(noGroup.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(noGroup.err()).contains("labels.HAPROXY_DEPLOYMENT_GROUP: is required");
  }

  @Test
  void durations_readShortFormsAndIso_onEveryDurationFlag() throws Exception {
    ScriptedAdmin admin = new ScriptedAdmin(Outcome.SUCCEEDED);
    String coordinator = serve(admin);
    Run r = cli("--coordinator", coordinator, "--timeout", "PT10S", "deploy", app(APP).toString(), "--json",
        "--step-delay", "250ms", "--max-wait", "5m", "--health-timeout", "PT2M", "--keep-previous", "1.5s", "--step-pause", "10s");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    var sent = admin.starts.get(0).getOptions();
    assertThat(sent.getStepDelayMs()).isEqualTo(250);
    assertThat(sent.getMaxWaitMs()).isEqualTo(300_000);
    assertThat(sent.getHealthTimeoutMs()).isEqualTo(120_000);
    assertThat(sent.getKeepPreviousMs()).isEqualTo(1500);
    assertThat(sent.getStepPauseMs()).isEqualTo(10_000);

    // Every Duration option of every command reads the one form, so none is ISO-only.
    List<String> durationOptions = new ArrayList<>();
    List<CommandSpec> specs = new ArrayList<>(List.of(new CommandLine(new ZddCli()).getCommandSpec()));
    for (int i = 0; i < specs.size(); i++) {
      specs.addAll(specs.get(i).subcommands().values().stream().map(CommandLine::getCommandSpec).toList());
      for (OptionSpec o : specs.get(i).options()) {
        if (o.type() == Duration.class) {
          durationOptions.add(specs.get(i).qualifiedName() + " " + o.longestName());
          assertThat(o.converters()).as(o.longestName()).anyMatch(c -> c instanceof io.zdd.common.config.Durations.Converter);
        }
      }
    }
    assertThat(durationOptions).contains("zdd --timeout", "zdd deploy --step-delay", "zdd plan --max-wait");
  }

  @Test
  void completion_bashAndZsh_mentionEverySubcommand() {
    List<String> subcommands = List.copyOf(new CommandLine(new ZddCli()).getSubcommands().keySet());
    assertThat(subcommands).contains("deploy", "lint", "history", "status", "completion");
    Run bash = cli("completion", "bash");
    assertThat(bash.exit()).as(bash.err()).isZero();
    assertThat(bash.out()).contains("complete -F").contains(subcommands);
    Run zsh = cli("completion", "zsh");
    assertThat(zsh.exit()).isZero();
    assertThat(zsh.out()).contains("bashcompinit").contains(subcommands);
    assertThat(cli("completion", "fish").exit()).isEqualTo(ExitCodes.BAD_INPUT);
  }

  /** Two finished deployments of "web"; records the request so the group filter can be checked. */
  static final class HistoryAdmin extends CoordinatorAdminGrpc.CoordinatorAdminImplBase {
    final List<ListDeploymentsRequest> requests = new CopyOnWriteArrayList<>();

    @Override
    public void listDeployments(ListDeploymentsRequest req, StreamObserver<ListDeploymentsResponse> out) {
      requests.add(req);
      long t0 = 1_790_000_000_000L;
      out.onNext(ListDeploymentsResponse.newBuilder()
          .addDeployments(ScriptedAdmin.d(Phase.DONE, Outcome.ROLLED_BACK, 0).toBuilder().setId("d2")
              .setStartedAtUnixMs(t0 + 600_000).setFinishedAtUnixMs(t0 + 690_000).setMessage("green unhealthy"))
          .addDeployments(ScriptedAdmin.d(Phase.DONE, Outcome.SUCCEEDED, 100).toBuilder().setId("d1")
              .setStartedAtUnixMs(t0).setFinishedAtUnixMs(t0 + 300_000))
          .build());
      out.onCompleted();
    }
  }

  @Test
  void history_listsAGroupsDeployments_withOutcomeAndDuration() throws Exception {
    HistoryAdmin admin = new HistoryAdmin();
    String coordinator = serve(admin);
    Run human = cli("--coordinator", coordinator, "history", "web");
    assertThat(human.exit()).as(human.err()).isZero();
    assertThat(admin.requests.get(0).getGroup()).isEqualTo("web");
    assertThat(admin.requests.get(0).getIncludeFinished()).isTrue();
    String[] lines = human.out().strip().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).startsWith("d2").contains("ROLLED_BACK").contains(" 90s ").contains("green unhealthy");
    assertThat(lines[1]).startsWith("d1").contains("SUCCEEDED").contains(" 5m ");

    Run json = cli("--coordinator", coordinator, "history", "web", "--json");
    String[] jl = json.out().strip().split("\n");
    assertThat(jl).hasSize(2);
    JsonNode first = new ObjectMapper().readTree(jl[0]);
    assertThat(first.get("outcome").asText()).isEqualTo("ROLLED_BACK");
    assertThat(first.get("duration_ms").asLong()).isEqualTo(90_000);
    assertThat(first.get("started_at").asText()).endsWith("Z");
  }

  @Test
  void statusWait_exitsWithTheOutcome() throws Exception {
    for (var c : List.of(List.of(Outcome.SUCCEEDED, ExitCodes.OK), List.of(Outcome.ROLLED_BACK, ExitCodes.ROLLED_BACK),
        List.of(Outcome.FAILED, ExitCodes.FAILED))) {
      Run r = cli("--coordinator", serve(new ScriptedAdmin((Outcome) c.get(0))), "status", "d1", "--wait", "--timeout", "10m", "--json");
      assertThat(r.exit()).as(c + r.err()).isEqualTo(c.get(1));
      assertThat(new ObjectMapper().readTree(r.out()).get("outcome").asText()).isEqualTo(c.get(0).toString());
    }
    assertThat(List.of(ExitCodes.OK, ExitCodes.ROLLED_BACK, ExitCodes.FAILED, ExitCodes.TIMED_OUT)).doesNotHaveDuplicates();
  }

  @Test
  void statusWait_timesOutWithItsOwnCode_whileTheDeploymentGoesOn() throws Exception {
    String coordinator = serve(new ScriptedAdmin(Outcome.SUCCEEDED) {
      @Override
      public void watchDeployment(WatchDeploymentRequest req, StreamObserver<DeploymentEvent> out) {
        out.onNext(DeploymentEvent.newBuilder().setDeploymentId("d1").setSequence(1).setKind(EventKind.WAITING_FOR_PROMOTE)
            .setDeployment(d(Phase.SHIFT_TRAFFIC, Outcome.OUTCOME_UNSPECIFIED, 10)).build());
        // held for promote: the stream stays open and nothing ends
      }
    });
    Run r = cli("--coordinator", coordinator, "status", "d1", "--wait", "--timeout", "500ms");
    assertThat(r.exit()).isEqualTo(ExitCodes.TIMED_OUT);
    assertThat(r.err()).isEqualTo("zdd: deployment d1 has not ended within 500ms (phase SHIFT_TRAFFIC); it goes on\n");
  }

  @Test
  void colours_areRoles_withTheAppIdBeside_evenWhenTheNewAppIsTheBlueLabelledOne() throws Exception {
    // The new app carries colour label BLUE (its id ends in -blue): it is still green, the new version.
    Deployment d = Deployment.newBuilder().setId("d3").setGroup("demo").setPhase(Phase.SHIFT_TRAFFIC)
        .setBlueAppId("/demo-green").setGreenAppId("/demo-blue").setGreenColour(Colour.BLUE)
        .addTraffic(TrafficShare.newBuilder().setColour(Colour.GREEN).setPercent(90))
        .addTraffic(TrafficShare.newBuilder().setColour(Colour.BLUE).setPercent(10))
        .build();
    assertThat(EventPrinter.traffic(d)).isEqualTo("blue (/demo-green) 90%  green (/demo-blue) 10%");
    JsonNode traffic = new ObjectMapper().readTree(EventPrinter.deploymentJson(d).toString()).get("traffic");
    assertThat(traffic.get("green").asDouble()).isEqualTo(10.0);
    assertThat(traffic.get("blue").asDouble()).isEqualTo(90.0);

    StringWriter live = new StringWriter();
    new EventPrinter(new PrintWriter(live, true), false).print(DeploymentEvent.newBuilder().setKind(EventKind.TRAFFIC_SHIFTED)
        .setMessage("step 1/3: green requested 10%, effective 10% on every LB").setDeployment(d).build());
    assertThat(live.toString()).contains("green (/demo-blue) 10%").contains("green requested 10%")
        .doesNotContain("blue 10%").doesNotContain("green 90%");
  }

  @Test
  void verbose_isAcceptedAnywhere_andSetsTheLogLevel() {
    assertThat(ZddCli.logLevel(new String[] {"list", "--json"})).isEqualTo("WARN");
    assertThat(ZddCli.logLevel(new String[] {"--verbose", "list"})).isEqualTo("INFO");
    assertThat(ZddCli.logLevel(new String[] {"list", "--verbose", "--verbose"})).isEqualTo("DEBUG");
    assertThat(cli("completion", "bash", "--verbose").exit()).isZero();
    assertThat(cli("--verbose", "completion", "bash").exit()).isZero();
  }

  @Test
  void help_documentsTheExitCodes() {
    Run r = cli("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("Exit codes:").contains("3  the deployment rolled back");
  }
}
