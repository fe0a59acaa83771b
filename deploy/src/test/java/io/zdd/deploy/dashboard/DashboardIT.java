package io.zdd.deploy.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zdd.common.tls.SpiffeId;
import io.zdd.common.tls.TlsOptions;
import io.zdd.coordinator.Coordinator;
import io.zdd.coordinator.cli.ZddCli;
import io.zdd.coordinator.security.OperatorRoles;
import io.zdd.deploy.cluster.DemoAppDefinition;
import io.zdd.deploy.cluster.LocalCluster;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser (headless Chromium through chromedriver) against a local
 * cluster with mutual TLS and a roles file. One deployment is followed through the tests, in
 * order: the page shows it advance live after the CLI started it; the operator signs in with a
 * {@code zdd dashboard} link and pauses it with the button ({@code zdd status --json} says
 * paused, and the page's numbers are the status's); a viewer sees no enabled button and is
 * refused anyway; writes without a session or CSRF token are refused and change nothing; resumed,
 * it finishes and its history row opens a timeline. Screenshots are left in
 * {@code target/dashboard-it/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ARTEFACTS = Path.of("target", "dashboard-it");
  private static final String GROUP = "web";
  private static final int PORT = 10510;

  @TempDir static Path work;
  static LocalCluster cluster;
  static String dashboard;
  static String deploymentId;
  static DashboardBrowser operatorBrowser;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path roles = work.resolve("roles.json");
    Files.writeString(roles, """
        {"operators": {
           "operator": {"role": "admin"},
           "carol":    {"role": "viewer"}}}
        """);
    cluster = new LocalCluster(new LocalCluster.Options(2, 1, work.resolve("cluster"), Duration.ofSeconds(6), true))
        .withRoles(OperatorRoles.load(roles));
    cluster.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leader().isPresent());
    await().atMost(Duration.ofSeconds(30)).until(() -> cli("operator", "agents").out().split(" connected ").length == 3);
    dashboard = cluster.leader().flatMap(LocalCluster.CoordinatorSlot::coordinator).flatMap(Coordinator::dashboardUrl)
        .orElseThrow();
    CliRun v1 = cli("operator", "deploy", app("v1").toString(), "--force", "--step-delay", "0.5", "--health-timeout", "120");
    assertThat(v1.exit()).as(v1.out() + v1.err()).isZero();
    operatorBrowser = new DashboardBrowser(work.resolve("profile-operator"));
  }

  @AfterAll
  static void stop() {
    try {
      if (operatorBrowser != null) {
        operatorBrowser.close();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  private record CliRun(int exit, String out, String err) {}

  private static CliRun cli(String operator, String... args) throws Exception {
    List<String> all = new ArrayList<>(TlsOptions.flags(cluster.issue(SpiffeId.Role.OPERATOR, operator)));
    all.addAll(List.of("--coordinator", cluster.anyCoordinator(), "--timeout", "30s"));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ZddCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    return new CliRun(code, out.toString(), err.toString());
  }

  private static JsonNode status() throws Exception {
    CliRun s = cli("operator", "status", deploymentId, "--json");
    assertThat(s.exit()).as(s.err()).isZero();
    return JSON.readTree(s.out());
  }

  private static Path app(String version) throws Exception {
    Path f = work.resolve("app-" + version + ".json");
    Files.writeString(f, DemoAppDefinition.json(GROUP, PORT, PORT + 1, version, 2, 100, System.getProperty("java.class.path")));
    return f;
  }

  /** A one-time login link for {@code operator}, as an operator gets it. */
  private static String loginLink(String operator) throws Exception {
    CliRun link = cli(operator, "dashboard");
    assertThat(link.exit()).as(link.err()).isZero();
    String url = link.out().trim();
    assertThat(url).startsWith(dashboard + "#login=");
    return url;
  }

  private static String card() {
    return ".card[data-deployment=\"" + deploymentId + "\"]";
  }

  @Test
  @Order(1)
  void thePageFollowsACliDeploymentLive_andItsPauseButtonPausesIt() throws Exception {
    DashboardBrowser b = operatorBrowser;
    b.open(dashboard);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(b.attribute("#groups tr[data-group=\"" + GROUP + "\"] .app[data-role=\"live\"]", "data-app")).startsWith("/" + GROUP));
    assertThat(b.text("#operator")).contains("read-only");
    assertThat(b.count("#agents tbody tr")).isEqualTo(2);

    CliRun v2 = cli("operator", "deploy", app("v2").toString(), "--detach", "--force", "--traffic", "20,50,100",
        "--step-pause", "25s", "--step-delay", "0.5", "--health-timeout", "120");
    assertThat(v2.exit()).as(v2.err()).isZero();
    Matcher id = Pattern.compile("deployment (\\S+) of group").matcher(v2.out());
    assertThat(id.find()).as(v2.out()).isTrue();
    deploymentId = id.group(1);

    // It appears, and its phase moves on the page while nobody reloads it.
    Set<String> phases = new LinkedHashSet<>();
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      String phase = b.text(card() + " [data-field=\"phase\"]");
      if (!phase.isEmpty()) {
        phases.add(phase);
      }
      assertThat(phases).as("phases the page showed").hasSizeGreaterThanOrEqualTo(2);
    });
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(b.count(card() + " .events li")).as("events streamed to the page").isGreaterThanOrEqualTo(3));

    b.open(loginLink("operator"));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(b.attribute("#operator", "data-signed-in")).isEqualTo("true");
      assertThat(b.text("#operator")).contains("spiffe://zdd/operator/operator");
    });
    assertThat(b.count("#notice:not([hidden])")).as("no sign-in error").isZero();

    await().atMost(Duration.ofSeconds(20)).until(() -> b.click(card() + " button[data-control=\"pause\"]"));

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(status().path("paused").asBoolean()).isTrue());
    JsonNode paused = status();
    assertThat(paused.path("outcome").asText()).isEqualTo("OUTCOME_UNSPECIFIED");
    assertThat(paused.path("audit").toString()).contains("spiffe://zdd/operator/operator paused the deployment");

    // The page shows what `zdd status --json` shows for the same deployment.
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
      JsonNode s = status();
      assertThat(b.text(card() + " [data-field=\"phase\"]")).isEqualTo(s.path("phase").asText());
      assertThat(b.text(card() + " [data-field=\"paused\"]")).isEqualTo(s.path("paused").asBoolean() ? "held" : "moving");
      assertThat(b.text(card() + " .head")).contains("epoch " + s.path("epoch").asLong());
      assertThat(b.attribute(card() + " .roles [data-role=\"live\"]", "data-app")).isEqualTo(s.path("blue_app_id").asText());
      assertThat(b.attribute(card() + " .roles [data-role=\"new\"]", "data-app")).isEqualTo(s.path("green_app_id").asText());
      assertThat(s.path("traffic").size()).as("traffic shares in the status").isEqualTo(2);
      for (String role : List.of("live", "new")) {
        String colour = b.attribute(card() + " .roles [data-role=\"" + role + "\"]", "data-colour");
        double share = Double.parseDouble(b.attribute(card() + " .roles [data-role=\"" + role + "\"]", "data-share"));
        assertThat(share).as(role + " (" + colour + ") share").isEqualTo(s.path("traffic").path(colour).asDouble());
      }
      for (JsonNode d : s.path("drain")) {
        assertThat(b.text(card() + " .lb[data-lb=\"" + d.path("lb").asText() + "\"] [data-field=\"drain\"]"))
            .contains(d.path("servers_drained").asInt() + "/" + d.path("servers_total").asInt())
            .contains(d.path("connections").asLong() + " connections");
      }
    });
    assertThat(b.count(card() + " .lb")).as("one box per LB").isEqualTo(2);
    assertThat(b.count(card() + " .lb tr[data-server]")).as("per-server connections").isPositive();

    Path png = ARTEFACTS.resolve("dashboard-paused.png");
    b.screenshot(png);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isGreaterThan(1000);
    assertThat(b.consoleErrors()).as("console errors of the page").isEmpty();
  }

  @Test
  @Order(2)
  void aViewerWithoutTheRoleSeesNoEnabledButtons_andIsRefusedAnyway() throws Exception {
    try (DashboardBrowser viewer = new DashboardBrowser(work.resolve("profile-carol"))) {
      viewer.open(loginLink("carol"));
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        assertThat(viewer.text("#operator")).contains("spiffe://zdd/operator/carol");
        assertThat(viewer.count(card() + " button[data-control]")).isEqualTo(4);
      });
      assertThat(viewer.enabled(card() + " button[data-control]")).hasSize(4).containsOnly(false);
      // The operator's page offers resume on the same paused deployment: the difference is the role.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(operatorBrowser.enabled(card() + " button[data-control=\"resume\"]")).containsExactly(true));

      // What the page's own script could send for the viewer, with its CSRF token: refused by role.
      Map<String, Object> r = viewer.fetch("""
          const done = arguments[arguments.length - 1];
          fetch('/api/session').then(s => s.json()).then(s => fetch('/api/deployments/%s/resume', {method: 'POST',
              headers: {'Content-Type': 'application/json', 'X-ZDD-CSRF': s.csrf}, body: '{}'}))
            .then(r => done({status: r.status}), e => done({status: -1, error: String(e)}));
          """.formatted(deploymentId));
      assertThat(((Number) r.get("status")).intValue()).as(r.toString()).isEqualTo(403);
      viewer.screenshot(ARTEFACTS.resolve("dashboard-viewer.png"));
    }
    JsonNode s = status();
    assertThat(s.path("paused").asBoolean()).isTrue();
    assertThat(s.path("audit").toString()).doesNotContain("resumed");
  }

  @Test
  @Order(3)
  void writesWithoutSessionOrCsrfAreRefused_andChangeNothing() throws Exception {
    String resume = dashboard + "api/deployments/" + deploymentId + "/resume";
    assertThat(post(resume, Map.of(), "{}").statusCode()).as("no session").isEqualTo(401);

    String token = loginLink("operator").replaceFirst(".*#login=", "");
    HttpResponse<String> login = post(dashboard + "api/login", Map.of(), "{\"token\":\"" + token + "\"}");
    assertThat(login.statusCode()).isEqualTo(200);
    String setCookie = login.headers().firstValue("set-cookie").orElseThrow();
    assertThat(setCookie).contains("HttpOnly").contains("SameSite=Strict").contains("Max-Age=3600").doesNotContain("Secure");
    assertThat(post(dashboard + "api/login", Map.of(), "{\"token\":\"" + token + "\"}").statusCode())
        .as("a login link works once").isEqualTo(403);
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    String csrf = JSON.readTree(login.body()).path("csrf").asText();

    assertThat(post(resume, Map.of("Cookie", cookie), "{}").statusCode()).as("no CSRF header").isEqualTo(403);
    assertThat(post(resume, Map.of("Cookie", cookie, "X-ZDD-CSRF", "x" + csrf), "{}").statusCode()).as("wrong CSRF")
        .isEqualTo(403);
    assertThat(post(resume, Map.of("Cookie", cookie, "X-ZDD-CSRF", csrf, "Origin", "http://evil.example"), "{}")
        .statusCode()).as("another origin").isEqualTo(403);
    HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(resume)).header("Cookie", cookie)
        .header("X-ZDD-CSRF", csrf).header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(form.statusCode()).as("not JSON").isEqualTo(415);
    assertThat(post(resume, Map.of("Cookie", cookie, "X-ZDD-CSRF", csrf), "{\"pad\":\"" + "x".repeat(8000) + "\"}")
        .statusCode()).as("too large").isEqualTo(413);

    JsonNode s = status();
    assertThat(s.path("paused").asBoolean()).as("still paused").isTrue();
    assertThat(s.path("audit").toString()).doesNotContain("resumed");

    // Reads: unknown paths are 404, other methods 405, and every answer is locked down.
    assertThat(get(dashboard + "api/nothing-here").statusCode()).isEqualTo(404);
    assertThat(get(dashboard + "etc/passwd").statusCode()).isEqualTo(404);
    assertThat(post(dashboard + "api/deployments/" + deploymentId + "/delete", Map.of("Cookie", cookie, "X-ZDD-CSRF", csrf),
        "{}").statusCode()).isEqualTo(404);
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(dashboard + "api/groups"))
        .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isEqualTo(405);
    for (String page : List.of("", "dashboard.js", "api/deployments/" + deploymentId)) {
      HttpResponse<String> r = get(dashboard + page);
      assertThat(r.statusCode()).as(page).isEqualTo(200);
      assertThat(r.headers().firstValue("content-security-policy").orElse("")).contains("script-src 'self'")
          .doesNotContain("unsafe-inline");
      assertThat(r.headers().firstValue("x-content-type-options")).contains("nosniff");
    }
    assertThat(get(dashboard + "metrics").body()).as("Prometheus still scrapes the same port").contains("zdd_leader ");
  }

  @Test
  @Order(4)
  void resumedItFinishes_andItsHistoryRowShowsOutcomeDurationAndTimeline() throws Exception {
    DashboardBrowser b = operatorBrowser;
    await().atMost(Duration.ofSeconds(20)).until(() -> b.click(card() + " button[data-control=\"resume\"]"));
    await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
        assertThat(status().path("outcome").asText()).isEqualTo("SUCCEEDED"));

    String row = "#history tr[data-deployment=\"" + deploymentId + "\"]";
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(b.text(row + " [data-field=\"outcome\"]")).isEqualTo("SUCCEEDED"));
    assertThat(b.text(row + " [data-field=\"duration\"]")).matches("\\d+ (s|min \\d+ s)");
    assertThat(b.click(row)).isTrue();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(b.text("#detail [data-field=\"outcome\"]")).isEqualTo("SUCCEEDED");
      assertThat(Integer.parseInt(b.attribute("#detail svg.timeline", "data-points"))).isGreaterThanOrEqualTo(5);
      assertThat(b.count("#detail svg.timeline rect[data-phase=\"SHIFT_TRAFFIC\"]")).isPositive();
    });
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(b.attribute("#groups tr[data-group=\"" + GROUP + "\"] .app[data-role=\"live\"]", "data-app"))
            .isEqualTo(status().path("green_app_id").asText()));
    b.screenshot(ARTEFACTS.resolve("dashboard-history.png"));
    assertThat(b.consoleErrors()).as("console errors of the page").isEmpty();
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String url, Map<String, String> headers, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
