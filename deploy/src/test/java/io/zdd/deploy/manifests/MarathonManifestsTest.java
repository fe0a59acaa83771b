package io.zdd.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zdd.deploy.marathon.LocalMarathon;
import io.zdd.deploy.marathon.LocalMarathonConfig;
import io.zdd.deploy.marathon.MarathonHttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Marathon app definitions pass the local scheduler's validation (POST /v2/apps answers 201;
 * instances set to 0 so nothing starts), keep what docs/operations.md promises of them, and set only
 * environment variables and flags that the coordinator and the agent really read.
 */
class MarathonManifestsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Path MARATHON = ManifestFiles.manifests().resolve("marathon");
  private static LocalMarathon marathon;
  private static MarathonHttpServer server;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  @BeforeAll
  static void start() throws Exception {
    marathon = new LocalMarathon(LocalMarathonConfig.defaults());
    server = MarathonHttpServer.start(marathon, "127.0.0.1", 0);
    marathon.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (marathon != null) {
      marathon.close();
    }
  }

  record Reply(int status, JsonNode body) {}

  static Reply send(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> r = HTTP.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body().isBlank() ? JSON.nullNode() : JSON.readTree(r.body()));
  }

  static ObjectNode manifest(String name) throws Exception {
    return (ObjectNode) JSON.readTree(Files.readString(MARATHON.resolve(name)));
  }

  /** POSTs the definition with instances 0 and returns what the scheduler stored. */
  static JsonNode postWithoutInstances(ObjectNode app) throws Exception {
    ObjectNode body = app.deepCopy().put("instances", 0);
    Reply created = send(HttpRequest.newBuilder(URI.create(server.url() + "/v2/apps"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    assertThat(created.status()).as("POST %s: %s", app.path("id").asText(), created.body()).isEqualTo(201);
    Reply stored = send(HttpRequest.newBuilder(URI.create(server.url() + "/v2/apps" + app.path("id").asText())).GET());
    assertThat(stored.status()).isEqualTo(200);
    return stored.body().path("app");
  }

  @Test
  void coordinatorDefinitionIsAcceptedAsShipped() throws Exception {
    ObjectNode app = manifest("zdd-coordinator.json");
    assertThat(app.path("instances").asInt()).isEqualTo(3);
    JsonNode stored = postWithoutInstances(app);

    assertThat(stored.path("instances").asInt()).isZero();
    assertThat(stored.path("tasks")).isEmpty();
    assertThat(stored.path("constraints").toString()).isEqualTo("[[\"hostname\",\"UNIQUE\"]]");
    JsonNode check = stored.path("healthChecks").get(0);
    assertThat(check.path("path").asText()).isEqualTo("/healthz");
    // The health check probes the metrics port, where /healthz is served.
    int metricsPort = stored.path("portDefinitions").get(check.path("portIndex").asInt()).path("port").asInt();
    assertThat(stored.path("env").path("ZDD_COORDINATOR_METRICS_LISTEN").asText()).endsWith(":" + metricsPort);
    assertThat(stored.path("env").path("ZDD_COORDINATOR_LISTEN").asText())
        .endsWith(":" + stored.path("portDefinitions").get(0).path("port").asInt());
  }

  @Test
  void agentDefinitionIsAcceptedAsShipped() throws Exception {
    ObjectNode app = manifest("zdd-lb-agent.json");
    JsonNode stored = postWithoutInstances(app);

    assertThat(stored.path("acceptedResourceRoles").toString()).isEqualTo("[\"slave_public\"]");
    assertThat(stored.path("networks").get(0).path("mode").asText()).isEqualTo("host");
    JsonNode docker = stored.path("container").path("docker");
    assertThat(docker.path("privileged").asBoolean() || docker.path("parameters").toString().contains("NET_ADMIN"))
        .as("privileged or NET_ADMIN").isTrue();
    // The socket directory is shared with Marathon-LB through a host volume, and the sockets the
    // agent is told about live in it.
    String socketDir = stored.path("container").path("volumes").get(0).path("containerPath").asText();
    assertThat(stored.path("container").path("volumes").get(0).path("hostPath").asText()).isEqualTo(socketDir);
    List<String> args = new ArrayList<>();
    stored.path("args").forEach(a -> args.add(a.asText()));
    assertThat(args).containsSequence("--haproxy-mode", "attach");
    assertThat(args.get(args.indexOf("--stats-socket") + 1)).startsWith(socketDir + "/");
    assertThat(args.get(args.indexOf("--master-socket") + 1)).startsWith(socketDir + "/");
    JsonNode check = stored.path("healthChecks").get(0);
    int metricsPort = stored.path("portDefinitions").get(check.path("portIndex").asInt()).path("port").asInt();
    assertThat(check.path("path").asText()).isEqualTo("/healthz");
    assertThat(stored.path("env").path("ZDD_AGENT_METRICS_LISTEN").asText()).endsWith(":" + metricsPort);
  }

  /** The local scheduler does reject a broken definition, so a 201 above means something. */
  @Test
  void aBrokenDefinitionIsRejected() throws Exception {
    ObjectNode app = manifest("zdd-coordinator.json");
    app.put("id", "/zdd/broken").put("instances", 0);
    ((ObjectNode) app.path("healthChecks").get(0)).put("portIndex", 5);
    Reply r = send(HttpRequest.newBuilder(URI.create(server.url() + "/v2/apps"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(app))));
    assertThat(r.status()).isEqualTo(422);
  }

  @Test
  void coordinatorEnvironmentNamesOnlyVariablesTheCoordinatorReads() throws Exception {
    Set<String> known = new HashSet<>(envVars("coordinator/src/main/java/io/zdd/coordinator/CoordinatorMain.java"));
    known.addAll(envVars(TLS_OPTIONS));
    assertThat(zddVariables(manifest("zdd-coordinator.json").path("env"))).isNotEmpty().isSubsetOf(known);
    assertThat(envFileVariables("systemd/zdd-coordinator.env.example")).isSubsetOf(known);
  }

  @Test
  void agentEnvironmentAndArgsNameOnlyWhatTheAgentReads() throws Exception {
    Path config = Path.of("lb-agent/src/main/java/io/zdd/agent/AgentConfig.java");
    Set<String> known = new HashSet<>(envVars(config.toString()));
    known.addAll(envVars(TLS_OPTIONS));
    ObjectNode app = manifest("zdd-lb-agent.json");
    assertThat(zddVariables(app.path("env"))).isNotEmpty().isSubsetOf(known);
    assertThat(envFileVariables("systemd/zdd-agent.env.example")).isSubsetOf(known);
    String source = Files.readString(ManifestFiles.repository().resolve(config));
    app.path("args").forEach(a -> {
      if (a.asText().startsWith("--")) {
        assertThat(source).as("flag %s", a.asText()).contains("names = \"" + a.asText() + "\"");
      }
    });
  }

  /** The TLS flags every process shares (a mixin of the agent's, the coordinator's and the CLI's). */
  private static final String TLS_OPTIONS = "common/src/main/java/io/zdd/common/tls/TlsOptions.java";

  /** Every {@code ${env:NAME...}} default of a source file's options. */
  private static Set<String> envVars(String source) throws Exception {
    Matcher m = Pattern.compile("\\$\\{env:([A-Z0-9_]+)").matcher(Files.readString(ManifestFiles.repository().resolve(source)));
    Set<String> names = new TreeSet<>();
    while (m.find()) {
      names.add(m.group(1));
    }
    assertThat(names).as("env vars in " + source).hasSizeGreaterThan(5);
    return names;
  }

  private static Set<String> zddVariables(JsonNode env) {
    Set<String> names = new TreeSet<>();
    env.fieldNames().forEachRemaining(n -> {
      if (!n.equals("JAVA_TOOL_OPTIONS")) {
        names.add(n);
      }
    });
    return names;
  }

  /** Variables set or commented-out in an EnvironmentFile example, except JAVA_OPTS. */
  private static Set<String> envFileVariables(String name) throws Exception {
    Matcher m = Pattern.compile("(?m)^#? ?([A-Z][A-Z0-9_]+)=").matcher(Files.readString(ManifestFiles.manifests().resolve(name)));
    Set<String> names = new TreeSet<>();
    while (m.find()) {
      if (!m.group(1).equals("JAVA_OPTS")) {
        names.add(m.group(1));
      }
    }
    assertThat(names).isNotEmpty();
    return names;
  }
}
