package io.zdd.deploy.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.zdd.common.tls.SpiffeId;
import io.zdd.common.tls.TlsConfig;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.cli.ExitCodes;
import io.zdd.coordinator.cli.ZddCli;
import io.zdd.coordinator.engine.DeploymentEvent;
import io.zdd.coordinator.engine.EventKind;
import io.zdd.coordinator.engine.hook.ProcessPreKillHook;
import io.zdd.coordinator.security.OperatorRoles;
import io.zdd.proto.v1.CoordinatorAdminGrpc;
import io.zdd.proto.v1.ListDeploymentsRequest;
import io.zdd.proto.v1.StartDeploymentRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API as an attacker, a viewer and a scoped deployer meet it, on a local cluster with
 * mutual TLS and a roles file: no certificate is UNAUTHENTICATED, an operator not in the file or
 * a viewer cannot change anything, a deployer for shop* cannot deploy /billing, hook paths are
 * refused, an allowed deployment is audited with its requester, plaintext is refused, and a
 * rotated coordinator certificate is used without a restart.
 */
class CoordinatorSecurityIT {
  @TempDir static Path work;
  static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    Path roles = work.resolve("roles.json");
    Files.writeString(roles, """
        {"operators": {
           "operator": {"role": "admin"},
           "bob":   {"role": "deployer", "groups": ["shop*"], "apps": ["/shop*"]},
           "carol": {"role": "viewer"}}}
        """);
    Path hook = work.resolve("notify");
    Files.writeString(hook, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
    cluster = new LocalCluster(new LocalCluster.Options(1, 1, work.resolve("cluster"), Duration.ofSeconds(6), false))
        .withRoles(OperatorRoles.load(roles))
        .withHooks(ProcessPreKillHook.parse(List.of("notify=" + hook)));
    cluster.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leader().isPresent());
    await().atMost(Duration.ofSeconds(30)).until(() -> cli("operator", "agents").out().contains(" connected "));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private record CliRun(int exit, String out, String err) {}

  private static CliRun cli(String operator, String... args) throws Exception {
    List<String> all = new ArrayList<>(io.zdd.common.tls.TlsOptions.flags(cluster.issue(SpiffeId.Role.OPERATOR, operator)));
    all.addAll(List.of("--coordinator", cluster.anyCoordinator(), "--timeout", "30s"));
    all.addAll(List.of(args));
    return run(all);
  }

  private static CliRun run(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ZddCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
    return new CliRun(code, out.toString(), err.toString());
  }

  private static Path app(String group, int port) throws Exception {
    Path f = work.resolve(group + ".json");
    Files.writeString(f, DemoAppDefinition.json(group, port, port + 1, "v1", 1, 100,
        System.getProperty("java.class.path")));
    return f;
  }

  private static List<String> marathonApps() {
    List<String> ids = new ArrayList<>();
    cluster.marathon().listApps(Set.of(), a -> true).path("apps").forEach(a -> ids.add(a.path("id").asText()));
    return ids;
  }

  @Test
  void noCertificate_isUnauthenticated_andPlaintextNeverGetsIn() throws Exception {
    int port = Integer.parseInt(cluster.anyCoordinator().substring(cluster.anyCoordinator().lastIndexOf(':') + 1));
    ManagedChannel anonymous = NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(GrpcSslContexts.forClient()
        .trustManager(cluster.operatorTls().ca().toFile()).build()).build();
    try {
      var stub = CoordinatorAdminGrpc.newBlockingStub(anonymous).withDeadlineAfter(10, TimeUnit.SECONDS);
      StatusRuntimeException list = org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class,
          () -> stub.listDeployments(ListDeploymentsRequest.getDefaultInstance()));
      assertThat(list.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      StatusRuntimeException deploy = org.assertj.core.api.Assertions.catchThrowableOfType(
          StatusRuntimeException.class, () -> CoordinatorAdminGrpc.newBlockingStub(anonymous)
              .withDeadlineAfter(10, TimeUnit.SECONDS).startDeployment(StartDeploymentRequest.newBuilder()
                  .setAppJson(Files.readString(app("shop-anon", 10400))).build()));
      assertThat(deploy.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    } finally {
      anonymous.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    CliRun plaintext = run(List.of("--insecure", "--coordinator", cluster.anyCoordinator(), "--timeout", "5s", "list"));
    assertThat(plaintext.exit()).isEqualTo(ExitCodes.UNAVAILABLE);
    CliRun noTls = run(List.of("--coordinator", cluster.anyCoordinator(), "list"));
    assertThat(noTls.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(noTls.err()).contains("TLS is on by default");
    assertThat(marathonApps()).noneMatch(id -> id.startsWith("/shop-anon"));
  }

  @Test
  void rolesDecide_whoMayChangeWhat_andRefusalsChangeNothing() throws Exception {
    CliRun stranger = cli("eve", "list");
    assertThat(stranger.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
    assertThat(stranger.err()).contains("spiffe://zdd/operator/eve").contains("roles file");

    assertThat(cli("carol", "list").exit()).isEqualTo(ExitCodes.OK);
    CliRun viewerDeploys = cli("carol", "deploy", app("shop-v", 10410).toString(), "--detach");
    assertThat(viewerDeploys.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
    assertThat(viewerDeploys.err()).contains("a viewer may only read");

    CliRun billing = cli("bob", "deploy", app("billing", 10420).toString(), "--detach");
    assertThat(billing.exit()).as(billing.err()).isEqualTo(ExitCodes.PERMISSION_DENIED);
    assertThat(billing.err()).contains("spiffe://zdd/operator/bob may not change group billing");
    assertThat(marathonApps()).noneMatch(id -> id.startsWith("/billing") || id.startsWith("/shop-v"));
    assertThat(cli("operator", "list", "--all").out()).doesNotContain("billing");
  }

  @Test
  void onlyAnAdmin_mayResetAnAgentsFence_andOnlyToTheLeadersEpoch() throws Exception {
    CliRun deployer = cli("bob", "reset-fence", "lb-1");
    assertThat(deployer.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
    assertThat(deployer.err()).contains("only an admin");
    CliRun admin = cli("operator", "reset-fence", "lb-1");
    assertThat(admin.exit()).as(admin.err()).isEqualTo(ExitCodes.OK);
    long epoch = cluster.leader().orElseThrow().coordinator().orElseThrow().epoch().orElseThrow().value();
    assertThat(admin.out()).contains("agent lb-1: epoch fence").endsWith("-> " + epoch + "\n");
    assertThat(cli("operator", "reset-fence", "lb-9").exit()).isEqualTo(ExitCodes.NOT_FOUND);
  }

  @Test
  void zooKeeper_speaksOnlyTlsWithAClusterCertificate() throws Exception {
    assertThat(cluster.zkTls()).isTrue();
    try (var plain = org.apache.curator.framework.CuratorFrameworkFactory.newClient(cluster.zkConnect(), 3000, 2000,
        new org.apache.curator.retry.RetryOneTime(100))) {
      plain.start();
      assertThat(plain.blockUntilConnected(4, TimeUnit.SECONDS)).as("a plaintext client connects").isFalse();
    }
    org.apache.zookeeper.client.ZKClientConfig tls = new org.apache.zookeeper.client.ZKClientConfig();
    io.zdd.common.tls.ZkTls.clientProperties(cluster.issue(SpiffeId.Role.OPERATOR, "zk-probe")).forEach(tls::setProperty);
    try (var secure = org.apache.curator.framework.CuratorFrameworkFactory.builder().connectString(cluster.zkConnect())
        .zkClientConfig(tls).retryPolicy(new org.apache.curator.retry.RetryOneTime(100)).build()) {
      secure.start();
      assertThat(secure.blockUntilConnected(10, TimeUnit.SECONDS)).as("a TLS client of the cluster CA connects").isTrue();
      // Connected, but without the digest identities it still reads nothing of zdd's.
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> secure.getData().forPath("/zdd/epoch"))
          .isInstanceOf(org.apache.zookeeper.KeeperException.NoAuthException.class);
    }
  }

  @Test
  void hookPathsFromTheCli_areRefused() throws Exception {
    CliRun path = cli("operator", "deploy", app("shop-hook", 10430).toString(), "--detach",
        "--pre-kill-hook", "/tmp/evil.sh");
    assertThat(path.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(path.err()).contains("pre_kill_hook").contains("not a path");
    CliRun unknown = cli("operator", "deploy", app("shop-hook", 10430).toString(), "--detach",
        "--pre-kill-hook", "other");
    assertThat(unknown.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err()).contains("no hook named 'other'").contains("[notify]");
    assertThat(marathonApps()).noneMatch(id -> id.startsWith("/shop-hook"));
  }

  @Test
  void anAllowedDeployment_isAuditedWithItsRequester() throws Exception {
    CliRun deploy = cli("bob", "deploy", app("shop", 10440).toString(), "--detach", "--pre-kill-hook", "notify");
    assertThat(deploy.exit()).as(deploy.err() + deploy.out()).isEqualTo(ExitCodes.OK);
    String id = deploy.out().replaceAll("(?s).*deployment (\\S+) of group.*", "$1");
    Coordinator leader = cluster.leader().orElseThrow().coordinator().orElseThrow();
    List<DeploymentEvent> events = leader.events().events(id);
    assertThat(events).filteredOn(e -> e.kind() == EventKind.OPERATOR_ACTION).first()
        .satisfies(e -> assertThat(e.message()).isEqualTo("spiffe://zdd/operator/bob started the deployment of /shop"));
    assertThat(events.get(0).deployment().options().requestedBy()).isEqualTo("spiffe://zdd/operator/bob");

    await().atMost(Duration.ofSeconds(120)).until(() -> cli("operator", "status", id).out().contains("SUCCEEDED"));

    // A canary that holds at its first step: controls by whoever may, each kept in the record.
    Path v2 = work.resolve("shop-v2.json");
    Files.writeString(v2, DemoAppDefinition.json("shop", 10440, 10441, "v2", 1, 100, System.getProperty("java.class.path")));
    CliRun canary = cli("bob", "deploy", v2.toString(), "--detach", "--traffic", "10,100");
    assertThat(canary.exit()).as(canary.err()).isEqualTo(ExitCodes.OK);
    String id2 = canary.out().replaceAll("(?s).*deployment (\\S+) of group.*", "$1");
    assertThat(cli("carol", "pause", "--group", "shop").exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
    assertThat(cli("operator", "pause", "--group", "shop").exit()).isEqualTo(ExitCodes.OK);
    assertThat(cli("bob", "resume", "--group", "shop").exit()).isEqualTo(ExitCodes.OK);
    await().atMost(Duration.ofSeconds(90)).until(() -> leader.events().events(id2).stream()
        .anyMatch(e -> e.kind() == EventKind.WAITING_FOR_PROMOTE));
    assertThat(cli("bob", "promote", "--group", "shop").exit()).isEqualTo(ExitCodes.OK);
    await().atMost(Duration.ofSeconds(120)).until(() -> cli("operator", "status", id2).out().contains("SUCCEEDED"));
    String record = cli("operator", "status", id2, "--json").out();
    assertThat(record).contains("spiffe://zdd/operator/bob started the deployment of /shop")
        .contains("spiffe://zdd/operator/operator paused the deployment")
        .contains("spiffe://zdd/operator/bob resumed the deployment")
        .contains("spiffe://zdd/operator/bob promoted the deployment");
  }

  @Test
  void aRotatedCoordinatorCertificate_isUsedWithoutARestart() throws Exception {
    X509Certificate before = presented();
    TlsConfig rotated = cluster.issue(SpiffeId.Role.COORDINATOR, "coordinator-1");
    assertThat(rotated.certificate()).exists();
    await().atMost(Duration.ofSeconds(15)).until(() -> !presented().getSerialNumber().equals(before.getSerialNumber()));
    assertThat(cli("operator", "list").exit()).isEqualTo(ExitCodes.OK);
  }

  /** The certificate the coordinator shows a new connection. */
  private static X509Certificate presented() throws Exception {
    ManagedChannel ch = cluster.coordinatorChannel(cluster.anyCoordinator());
    try {
      return io.zdd.common.testing.TestPki.presentedCertificate(ch, CoordinatorAdminGrpc.getListDeploymentsMethod(),
          ListDeploymentsRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
