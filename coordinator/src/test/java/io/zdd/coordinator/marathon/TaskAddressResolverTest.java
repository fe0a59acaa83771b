package io.zdd.coordinator.marathon;

import io.zdd.common.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TaskAddressResolverTest {
  private final ExecutorService dnsThreads = Executors.newCachedThreadPool();
  /** Agent names the hand-written cases use; real names resolve through the system resolver. */
  private final Map<String, String> agents = Map.of("agent-1.example", "10.1.2.3");
  private final TaskAddressResolver resolver = new TaskAddressResolver(host -> {
    String ip = agents.get(host);
    if (ip != null) {
      return ip;
    }
    return DnsHostAddressResolver.system(dnsThreads, Clock.systemUTC()).resolve(host);
  });

  @AfterEach
  void stopDnsThreads() {
    dnsThreads.shutdownNow();
  }

  private static MarathonApp app(String json) {
    return MarathonJson.parseApp(MarathonJson.parseObject("app", json), "app");
  }

  @Test
  void bridgeDockerFixture_usesAgentIpAndHostPorts() {
    MarathonApp app = MarathonJson.parseAppsReply(Fixtures.json("zdd_app_blue.json")).get(0);

    List<TaskEndpoint> all = app.tasks().stream().map(t -> resolver.endpoint(app, t, 0)).toList();

    assertThat(app.networkingMode()).isEqualTo(NetworkingMode.BRIDGE);
    assertThat(all).extracting(TaskEndpoint::ip).containsOnly("10.0.6.25");
    assertThat(all).extracting(TaskEndpoint::port).containsExactly(16916, 31184, 23336);
    // host is an IP literal, so marathon-lb's name is host_port.
    assertThat(all).extracting(TaskEndpoint::legacyServerName)
        .containsExactly("10_0_6_25_16916", "10_0_6_25_31184", "10_0_6_25_23336");
  }

  @Test
  void bridgeNetworksFixture15_usesAgentIpAndHostPortsNotContainerIp() {
    MarathonApp app = MarathonJson.parseAppsReply(Fixtures.json("zdd_app_blue_marathon1.5.json")).get(0);

    List<TaskEndpoint> all = app.tasks().stream().flatMap(t -> resolver.endpoints(app, t).stream()).toList();

    assertThat(app.networkingMode()).isEqualTo(NetworkingMode.BRIDGE);
    assertThat(all).extracting(e -> e.ip() + ":" + e.port())
        .containsExactly("10.0.6.25:16916", "10.0.6.25:31184", "10.0.6.25:23336");
  }

  @Test
  void marathon15AppsFixture_bridgeContainerPortMappings_resolvesHostPort() {
    MarathonApp app = MarathonJson.parseAppsReply(Fixtures.json("marathon15_apps.json")).get(0);

    TaskEndpoint e = resolver.endpoint(app, app.tasks().get(0), 0);

    assertThat(e).isEqualTo(new TaskEndpoint("pywebserver.8cad6a69-6ca8-11e7-beb2-0e2beceebfcc",
        "10.0.2.148", "10.0.2.148", 1565, 0, NetworkingMode.BRIDGE));
    assertThat(e.legacyServerName()).isEqualTo("10_0_2_148_1565");
  }

  @Test
  void zddAppsFixture_everyTaskOfBothColoursResolves() {
    List<MarathonApp> apps = MarathonJson.parseAppsReply(Fixtures.json("zdd_apps.json"));

    assertThat(apps.get(1).tasks()).extracting(t -> resolver.endpoint(apps.get(1), t, 0).legacyServerName())
        .containsExactly("10_0_1_147_25724");
    assertThat(apps.get(0).tasks()).hasSize(3).allSatisfy(t -> assertThat(resolver.endpoints(apps.get(0), t)).hasSize(1));
  }

  @Test
  void userDefinitionFixture_withNamedAgent_resolvesNameToIpAndNamesHostIpPort() {
    // The fixture is a definition; give it a task on an agent that Marathon reports by name.
    var json = Fixtures.json("1-nginx.json");
    json.set("tasks", MarathonJson.parseObject("t", "{\"t\":[{\"id\":\"nginx.1\",\"host\":\"agent-1.example\","
        + "\"ports\":[31005],\"ipAddresses\":[{\"ipAddress\":\"172.17.0.9\"}]}]}").get("t"));
    MarathonApp app = MarathonJson.parseApp(json, "app");

    TaskEndpoint e = resolver.endpoint(app, app.tasks().get(0), 0);

    assertThat(e.ip()).isEqualTo("10.1.2.3");
    assertThat(e.port()).isEqualTo(31005);
    assertThat(e.legacyServerName()).isEqualTo("agent-1_example_10_1_2_3_31005");
  }

  @Test
  void userDefinitionFixture15_networksBridge_usesHostPortNotContainerPortOrIp() {
    var json = Fixtures.json("1-nginx-marathon1.5.json");
    json.set("tasks", MarathonJson.parseObject("t", "{\"t\":[{\"id\":\"nginx.2\",\"host\":\"10.0.6.26\","
        + "\"ports\":[31777],\"ipAddresses\":[{\"ipAddress\":\"172.17.0.4\"}]}]}").get("t"));
    MarathonApp app = MarathonJson.parseApp(json, "app");

    TaskEndpoint e = resolver.endpoint(app, app.tasks().get(0), 0);

    assertThat(app.networkingMode()).isEqualTo(NetworkingMode.BRIDGE);
    assertThat(e.ip() + ":" + e.port()).isEqualTo("10.0.6.26:31777");
    assertThat(e.legacyServerName()).isEqualTo("10_0_6_26_31777");
  }

  @Test
  void hostPortDefinitions_multiPort_oneEndpointPerPortInOrder() {
    MarathonApp app = app("""
        {"id":"/web","instances":1,"portDefinitions":[{"port":10000,"name":"http"},{"port":10002,"name":"admin"}],
         "tasks":[{"id":"web.a1","host":"localhost","ports":[31000,31001]}]}""");

    List<TaskEndpoint> e = resolver.endpoints(app, app.tasks().get(0));

    assertThat(app.networkingMode()).isEqualTo(NetworkingMode.HOST);
    assertThat(e).extracting(TaskEndpoint::ip).containsOnly("127.0.0.1");
    assertThat(e).extracting(TaskEndpoint::port).containsExactly(31000, 31001);
    assertThat(e).extracting(TaskEndpoint::portIndex).containsExactly(0, 1);
    assertThat(e).extracting(TaskEndpoint::legacyServerName)
        .containsExactly("localhost_127_0_0_1_31000", "localhost_127_0_0_1_31001");
  }

  @Test
  void hostLegacyPorts_usesTaskPorts() {
    MarathonApp app = app("""
        {"id":"/old","instances":1,"ports":[10000],"tasks":[{"id":"old.1","host":"10.9.8.7","ports":[4000]}]}""");

    assertThat(resolver.endpoint(app, app.tasks().get(0), 0))
        .isEqualTo(new TaskEndpoint("old.1", "10.9.8.7", "10.9.8.7", 4000, 0, NetworkingMode.HOST));
  }

  @Test
  void dockerUserNetwork_usesTaskIpAndContainerPort() {
    MarathonApp app = app("""
        {"id":"/u","instances":1,"container":{"type":"DOCKER","docker":{"image":"x","network":"USER",
          "portMappings":[{"containerPort":8080,"servicePort":10000},{"containerPort":9090,"servicePort":10001}]}},
         "ipAddress":{"networkName":"dcos"},
         "tasks":[{"id":"u.1","host":"agent-1.example","ports":[],
                   "ipAddresses":[{"ipAddress":"9.0.1.5","protocol":"IPv4"},{"ipAddress":"fd00::5","protocol":"IPv6"}]}]}""");

    List<TaskEndpoint> e = resolver.endpoints(app, app.tasks().get(0));

    assertThat(app.networkingMode()).isEqualTo(NetworkingMode.CONTAINER);
    assertThat(e).extracting(x -> x.ip() + ":" + x.port()).containsExactly("9.0.1.5:8080", "9.0.1.5:9090");
    assertThat(e.get(0).legacyServerName()).isEqualTo("agent-1_example_9_0_1_5_8080");
  }

  @Test
  void networksModeContainer15_usesTaskIpAndContainerPortEvenWithHostPorts() {
    MarathonApp app = app("""
        {"id":"/c","instances":1,"networks":[{"mode":"container","name":"dcos"}],
         "container":{"type":"MESOS","portMappings":[{"containerPort":80,"hostPort":0,"servicePort":10100}]},
         "tasks":[{"id":"c.1","host":"10.0.0.8","ports":[25001],"ipAddresses":[{"ipAddress":"9.0.2.7"}]}]}""");

    assertThat(resolver.endpoint(app, app.tasks().get(0), 0))
        .isEqualTo(new TaskEndpoint("c.1", "10.0.0.8", "9.0.2.7", 80, 0, NetworkingMode.CONTAINER));
  }

  @Test
  void networkWithoutMode_countsAsContainer() {
    MarathonApp app = app("""
        {"id":"/c","instances":1,"networks":[{"name":"dcos"}],"container":{"portMappings":[{"containerPort":81}]}}""");

    assertThat(app.networkingMode()).isEqualTo(NetworkingMode.CONTAINER);
  }

  @Test
  void legacyIpAddressDiscoveryPorts_usesDiscoveryNumbers() {
    MarathonApp app = app("""
        {"id":"/ipt","instances":1,"ipAddress":{"discovery":{"ports":[{"number":8443,"name":"https","protocol":"tcp"}]}},
         "tasks":[{"id":"ipt.1","host":"10.0.0.9","ports":[],"ipAddresses":[{"ipAddress":"9.0.3.1"}]}]}""");

    TaskEndpoint e = resolver.endpoint(app, app.tasks().get(0), 0);

    assertThat(e.ip()).isEqualTo("9.0.3.1");
    assertThat(e.port()).isEqualTo(8443);
    assertThat(e.legacyServerName()).isEqualTo("10_0_0_9_9_0_3_1_8443");
  }

  @Test
  void ipPerTaskTaskWithoutIp_failsNamingTheTask() {
    MarathonApp app = app("""
        {"id":"/c","instances":1,"networks":[{"mode":"container"}],"container":{"portMappings":[{"containerPort":80}]},
         "tasks":[{"id":"c.2","host":"10.0.0.8"}]}""");

    assertThatThrownBy(() -> resolver.endpoints(app, app.tasks().get(0)))
        .isInstanceOf(PreconditionException.class).hasMessageContaining("c.2").hasMessageContaining("no ipAddresses");
  }

  @Test
  void hostTaskWithoutPorts_failsNamingTheTask() {
    MarathonApp app = app("{\"id\":\"/h\",\"instances\":1,\"tasks\":[{\"id\":\"h.1\",\"host\":\"10.0.0.1\"}]}");

    assertThatThrownBy(() -> resolver.endpoints(app, app.tasks().get(0)))
        .isInstanceOf(PreconditionException.class).hasMessageContaining("h.1").hasMessageContaining("task.ports is empty");
  }

  @Test
  void portIndexOutOfRange_fails() {
    MarathonApp app = app("{\"id\":\"/h\",\"instances\":1,\"tasks\":[{\"id\":\"h.1\",\"host\":\"10.0.0.1\",\"ports\":[5]}]}");

    assertThatThrownBy(() -> resolver.endpoint(app, app.tasks().get(0), 1))
        .isInstanceOf(PreconditionException.class).hasMessageContaining("port index 1");
  }

  @Test
  void unknownHost_failsAsUnavailable() {
    var dns = new DnsHostAddressResolver(h -> {
      throw new UnknownHostException(h);
    }, dnsThreads, Duration.ofSeconds(1), Duration.ofSeconds(30), Clock.systemUTC());

    assertThatThrownBy(() -> dns.resolve("no-such-agent.invalid"))
        .isInstanceOf(UnavailableException.class).hasMessageContaining("no-such-agent.invalid");
  }

  @Test
  void hangingLookup_givesUpAfterTimeout() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    var dns = new DnsHostAddressResolver(h -> {
      try {
        never.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new UnknownHostException(h);
    }, dnsThreads, Duration.ofMillis(200), Duration.ofSeconds(30), Clock.systemUTC());

    long start = System.nanoTime();
    assertThatThrownBy(() -> dns.resolve("slow.example")).isInstanceOf(UnavailableException.class)
        .hasMessageContaining("took longer than 200 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    never.countDown();
  }

  @Test
  void resolvedName_isCachedUntilTtlThenLookedUpAgain() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    InetAddress v6 = InetAddress.getByName("fd00::1");
    InetAddress v4 = InetAddress.getByName("10.4.4.4");
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    var dns = new DnsHostAddressResolver(h -> {
      lookups.incrementAndGet();
      return new InetAddress[] {v6, v4};
    }, dnsThreads, Duration.ofSeconds(1), Duration.ofSeconds(30), clock);

    assertThat(dns.resolve("agent")).isEqualTo("10.4.4.4");
    assertThat(dns.resolve("agent")).isEqualTo("10.4.4.4");
    assertThat(lookups).hasValue(1);
    clock.advance(Duration.ofSeconds(31));
    dns.resolve("agent");
    assertThat(lookups).hasValue(2);
    assertThat(dns.resolve("10.0.0.1")).isEqualTo("10.0.0.1");
    assertThat(lookups).hasValue(2);
  }
}
