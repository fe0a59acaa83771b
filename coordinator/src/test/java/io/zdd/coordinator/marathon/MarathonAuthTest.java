package io.zdd.coordinator.marathon;

import io.zdd.common.testing.MutableClock;
import static io.zdd.coordinator.marathon.FakeMarathon.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zdd.common.error.InvalidInputException;
import io.zdd.common.error.PreconditionException;
import io.zdd.common.error.UnavailableException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class MarathonAuthTest {
  private static final String LOGIN_PATH = "/acs/api/v1/auth/login";
  private static final String PASSWORD = "pa55:w0rd-that-must-not-leak";
  private static KeyPair keys;

  @TempDir
  Path dir;

  private FakeMarathon server;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T05:00:00Z"));
  /** Tokens the fake IAM issued, in order; Marathon accepts only the newest. */
  private final List<String> issued = new CopyOnWriteArrayList<>();
  /** Login JWTs the fake IAM received (each verified against the public key). */
  private final List<String> loginJwts = new CopyOnWriteArrayList<>();
  private final List<String> loginProblems = new CopyOnWriteArrayList<>();
  private ListAppender<ILoggingEvent> logs;
  private Level rootLevel;

  @BeforeAll
  static void generateKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    keys = generator.generateKeyPair();
  }

  @BeforeEach
  void start() throws Exception {
    server = new FakeMarathon();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLevel = root.getLevel();
    root.setLevel(Level.DEBUG);
    logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void stop() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAppender(logs);
    root.setLevel(rootLevel);
    server.close();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static String pkcs8Pem() {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.UTF_8)).encodeToString(keys.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  /** PKCS#1 is the OCTET STRING inside PKCS#8: skip SEQUENCE, version, algorithm, OCTET STRING headers. */
  private static String pkcs1Pem() {
    byte[] p8 = keys.getPrivate().getEncoded();
    int i = skipHeader(p8, 0); // into the outer SEQUENCE
    i += 3; // version INTEGER 0
    i += 2 + (p8[i + 1] & 0xff); // AlgorithmIdentifier SEQUENCE
    int start = skipHeader(p8, i); // OCTET STRING contents
    byte[] p1 = Arrays.copyOfRange(p8, start, p8.length);
    return "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.UTF_8)).encodeToString(p1)
        + "\n-----END RSA PRIVATE KEY-----\n";
  }

  private static int skipHeader(byte[] der, int at) {
    int len = der[at + 1] & 0xff;
    return at + 2 + (len < 0x80 ? 0 : len & 0x7f);
  }

  private Path credentialsFile(String pem) throws Exception {
    var json = MarathonJson.MAPPER.createObjectNode()
        .put("scheme", "RS256").put("uid", "zdd-deployer").put("private_key", pem)
        .put("login_endpoint", server.uri() + LOGIN_PATH);
    Path file = dir.resolve("dcos-sa.json");
    Files.writeString(file, json.toString());
    return file;
  }

  private DcosServiceAccountAuth dcosAuth(Path credentials) {
    return new DcosServiceAccountAuth(DcosServiceAccount(credentials), HttpClient.newHttpClient(),
        Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofSeconds(30), clock);
  }

  private static DcosServiceAccountAuth.Credentials DcosServiceAccount(Path file) {
    return DcosServiceAccountAuth.readCredentials(file);
  }

  /** A fake IAM: verifies the RS256 login JWT with the public key, issues a JWT-shaped token valid 120 s. */
  private FakeMarathon.Responder iam() {
    return (exchange, request) -> {
      JsonNode body = MarathonJson.MAPPER.readTree(request.body());
      String jwt = body.path("token").asText();
      loginJwts.add(jwt);
      String[] parts = jwt.split("\\.");
      try {
        Signature verify = Signature.getInstance("SHA256withRSA");
        verify.initVerify(keys.getPublic());
        verify.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        if (!verify.verify(Base64.getUrlDecoder().decode(parts[2]))) {
          loginProblems.add("bad signature");
        }
      } catch (Exception e) {
        loginProblems.add("cannot verify: " + e);
      }
      JsonNode header = MarathonJson.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[0]));
      JsonNode claims = MarathonJson.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
      if (!header.path("alg").asText().equals("RS256")) {
        loginProblems.add("alg " + header);
      }
      if (!claims.path("uid").asText().equals("zdd-deployer") || !body.path("uid").asText().equals("zdd-deployer")) {
        loginProblems.add("uid " + claims + " " + body.path("uid"));
      }
      if (claims.path("exp").asLong() != clock.instant().getEpochSecond() + 60) {
        loginProblems.add("exp " + claims.path("exp") + " at " + clock.instant());
      }
      long exp = clock.instant().getEpochSecond() + 120;
      String token = "eyJhbGciOiJSUzI1NiJ9."
          + Base64.getUrlEncoder().withoutPadding().encodeToString(
              ("{\"uid\":\"zdd-deployer\",\"exp\":" + exp + "}").getBytes(StandardCharsets.UTF_8))
          + ".issued-secret-" + (issued.size() + 1);
      issued.add(token);
      FakeMarathon.send(exchange, 200, "{\"token\":\"" + token + "\"}");
    };
  }

  /** Marathon behind DC/OS: only the newest issued token is accepted. */
  private FakeMarathon.Responder marathonApps() {
    return (exchange, request) -> {
      String expected = issued.isEmpty() ? "-" : "token=" + issued.get(issued.size() - 1);
      if (expected.equals(request.header("Authorization"))) {
        FakeMarathon.send(exchange, 200, Fixtures.text("zdd_apps.json"));
      } else {
        FakeMarathon.send(exchange, 401, "{\"message\":\"invalid token\"}");
      }
    };
  }

  private HttpMarathonClient client(MarathonAuth auth) {
    var config = MarathonClientConfig.defaults(server.uri());
    return new HttpMarathonClient(config, HttpMarathonClient.newHttpClient(config), auth,
        new SimpleMeterRegistry(), clock);
  }

  private List<String> everythingLogged() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : logs.list) {
      out.add(e.getFormattedMessage());
      if (e.getThrowableProxy() != null) {
        out.add(e.getThrowableProxy().getMessage());
      }
    }
    return out;
  }

  // ---- DC/OS service account ------------------------------------------------------------------

  @Test
  void dcosServiceAccount_logsInWithVerifiedRs256JwtAndSendsTokenHeader() throws Exception {
    server.on("POST", LOGIN_PATH, iam()).on("GET", "/v2/apps", marathonApps());

    List<MarathonApp> apps = client(dcosAuth(credentialsFile(pkcs8Pem()))).listApps();

    assertThat(apps).hasSize(2);
    assertThat(loginProblems).isEmpty();
    assertThat(loginJwts).hasSize(1);
    FakeMarathon.Recorded login = server.requests("POST", LOGIN_PATH).get(0);
    assertThat(login.header("Content-Type")).isEqualTo("application/json");
    JsonNode body = MarathonJson.MAPPER.readTree(login.body());
    assertThat(body.path("uid").asText()).isEqualTo("zdd-deployer");
    assertThat(body.path("exp").asLong()).isEqualTo(clock.instant().getEpochSecond() + 3600);
    assertThat(server.requests("GET", "/v2/apps").get(0).header("Authorization")).isEqualTo("token=" + issued.get(0));
  }

  @Test
  void dcosToken_isReusedThenRenewedBeforeItExpires() throws Exception {
    server.on("POST", LOGIN_PATH, iam()).on("GET", "/v2/apps", marathonApps());
    HttpMarathonClient client = client(dcosAuth(credentialsFile(pkcs8Pem())));

    client.listApps();
    clock.advance(Duration.ofSeconds(60)); // token valid 120 s, renewed 30 s ahead: still fine
    client.listApps();
    assertThat(issued).hasSize(1);
    clock.advance(Duration.ofSeconds(31)); // 91 s: inside the 30 s margin
    client.listApps();

    assertThat(issued).hasSize(2);
    assertThat(loginProblems).isEmpty();
    assertThat(server.requests("GET", "/v2/apps")).extracting(r -> r.header("Authorization"))
        .containsExactly("token=" + issued.get(0), "token=" + issued.get(0), "token=" + issued.get(1));
  }

  @Test
  void dcos401_refreshesTheTokenOnceAndRepeatsTheCall() throws Exception {
    server.on("POST", LOGIN_PATH, iam())
        .on("GET", "/v2/apps", json(401, "{\"message\":\"token revoked\"}"), marathonApps());

    List<MarathonApp> apps = client(dcosAuth(credentialsFile(pkcs8Pem()))).listApps();

    assertThat(apps).hasSize(2);
    assertThat(issued).hasSize(2);
    assertThat(server.requests("GET", "/v2/apps")).extracting(r -> r.header("Authorization"))
        .containsExactly("token=" + issued.get(0), "token=" + issued.get(1));
  }

  @Test
  void dcos401AfterRefresh_failsAsPreconditionWithoutLooping() throws Exception {
    server.on("POST", LOGIN_PATH, iam()).on("GET", "/v2/apps", json(401, "{\"message\":\"forbidden uid\"}"));

    assertThatThrownBy(() -> client(dcosAuth(credentialsFile(pkcs8Pem()))).listApps())
        .isInstanceOf(PreconditionException.class).hasMessageContaining("401").hasMessageContaining("forbidden uid");
    assertThat(server.requests("GET", "/v2/apps")).hasSize(2);
    assertThat(issued).hasSize(2);
  }

  @Test
  void dcosLoginRefused_failsNamingTheAccountButNotTheKey() throws Exception {
    server.on("POST", LOGIN_PATH, json(401,
        "{\"title\":\"Invalid authentication credentials\",\"description\":\"Invalid token\",\"code\":\"ERR_INVALID_CREDENTIALS\"}"));

    assertThatThrownBy(() -> client(dcosAuth(credentialsFile(pkcs8Pem()))).listApps())
        .isInstanceOf(PreconditionException.class)
        .hasMessageContaining("zdd-deployer").hasMessageContaining("refused")
        .hasMessageContaining("Invalid authentication credentials");
    assertThat(server.requests("GET", "/v2/apps")).isEmpty();
  }

  @Test
  void dcosLoginReplyTooLarge_isNotRead_andFailsAsUnavailable() throws Exception {
    server.on("POST", LOGIN_PATH, json(200, "{\"token\":\"" + "x".repeat(DcosServiceAccountAuth.MAX_LOGIN_REPLY) + "\"}"));

    assertThatThrownBy(() -> client(dcosAuth(credentialsFile(pkcs8Pem()))).listApps())
        .isInstanceOf(UnavailableException.class).hasMessageContaining("DC/OS login");
    assertThat(server.requests("GET", "/v2/apps")).isEmpty();
  }

  @Test
  void dcosPkcs1Key_signsTokensTheIamAccepts() throws Exception {
    server.on("POST", LOGIN_PATH, iam()).on("GET", "/v2/apps", marathonApps());

    client(dcosAuth(credentialsFile(pkcs1Pem()))).listApps();

    assertThat(loginJwts).hasSize(1);
    assertThat(loginProblems).isEmpty();
  }

  @Test
  void dcosCredentialsMissingField_failsNamingItWithoutShowingTheKey() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"uid\":\"zdd\",\"private_key\":\"" + pkcs8Pem().replace("\n", "\\n") + "\"}");

    assertThatThrownBy(() -> DcosServiceAccountAuth.readCredentials(file))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("dcos-auth-credentials.login_endpoint"))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("MII"));
  }

  @Test
  void dcosCredentialsNotAKey_failsWithoutEchoingIt() throws Exception {
    Path file = dir.resolve("bad-key.json");
    Files.writeString(file, "{\"uid\":\"zdd\","
        + "\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nQUJDREVGR0hJSktMTU5PUA==\\n-----END PRIVATE KEY-----\","
        + "\"login_endpoint\":\"https://leader.mesos/acs/api/v1/auth/login\"}");

    assertThatThrownBy(() -> DcosServiceAccountAuth.readCredentials(file))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("dcos-auth-credentials.private_key"))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("QUJDREVGR0hJSktMTU5PUA"));
  }

  // ---- basic -----------------------------------------------------------------------------------

  @Test
  void basicFromFlag_sendsBasicHeaderAndSplitsAtTheFirstColon() {
    server.on("GET", "/v2/apps", json(200, Fixtures.text("zdd_apps.json")));
    BasicAuth auth = BasicAuth.parse("--auth-credentials", "deployer:" + PASSWORD);

    client(auth).listApps();

    assertThat(auth.user()).isEqualTo("deployer");
    assertThat(server.requests().get(0).header("Authorization")).isEqualTo(
        "Basic " + Base64.getEncoder().encodeToString(("deployer:" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void basicFromFile_usesTheFirstLineOnly() throws Exception {
    Path file = dir.resolve("creds");
    Files.writeString(file, "deployer:" + PASSWORD + "\nsecond line ignored\n");

    BasicAuth auth = BasicAuth.fromFile(file);

    assertThat(auth.authorization()).contains(
        "Basic " + Base64.getEncoder().encodeToString(("deployer:" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void basicMalformed_failsNamingTheSourceWithoutEchoingTheValue() {
    String noColon = PASSWORD.replace(":", "");
    assertThatThrownBy(() -> BasicAuth.parse("--auth-credentials", noColon))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("--auth-credentials"))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(noColon));
    assertThatThrownBy(() -> BasicAuth.parse("--auth-credentials", ":" + PASSWORD)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> BasicAuth.fromFile(dir.resolve("missing"))).isInstanceOf(InvalidInputException.class);
  }

  // ---- secrets ---------------------------------------------------------------------------------

  @Test
  void secrets_neverAppearInLogsToStringsOrExceptionMessages() throws Exception {
    String keyBody = Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded());
    List<String> exposed = new ArrayList<>();

    // Basic auth refused by Marathon.
    server.on("GET", "/v2/apps", json(401, "{\"message\":\"invalid username or password\"}"));
    BasicAuth basic = BasicAuth.parse("--auth-credentials", "deployer:" + PASSWORD);
    HttpMarathonClient basicClient = client(basic);
    exposed.add(basic.toString());
    exposed.add(basicClient.toString());
    try {
      basicClient.listApps();
    } catch (RuntimeException e) {
      exposed.add(e.getMessage());
    }

    // DC/OS: login, a 401 with refresh, then a refused login.
    server.on("POST", LOGIN_PATH, iam(), iam(), json(401, "{\"title\":\"Invalid authentication credentials\"}"));
    server.on("GET", "/v2/apps", marathonApps(), json(401, "{\"message\":\"expired\"}"), marathonApps());
    DcosServiceAccountAuth dcos = dcosAuth(credentialsFile(pkcs8Pem()));
    HttpMarathonClient dcosClient = client(dcos);
    exposed.add(dcos.toString());
    exposed.add(DcosServiceAccount(credentialsFile(pkcs8Pem())).toString());
    dcosClient.listApps();
    dcosClient.listApps();
    try {
      dcos.refreshAfterUnauthorized();
    } catch (RuntimeException e) {
      exposed.add(e.getMessage());
    }
    exposed.addAll(everythingLogged());

    assertThat(issued).hasSize(2);
    assertThat(server.requests("POST", LOGIN_PATH)).hasSize(3);
    assertThat(logs.list).isNotEmpty();
    List<String> secrets = new ArrayList<>(List.of(PASSWORD, keyBody.substring(40, 80), "issued-secret-"));
    secrets.addAll(issued);
    for (FakeMarathon.Recorded login : server.requests("POST", LOGIN_PATH)) {
      String jwt = MarathonJson.MAPPER.readTree(login.body()).path("token").asText();
      secrets.add(jwt.substring(jwt.lastIndexOf('.') + 1));
    }
    secrets.add(Base64.getEncoder().encodeToString(("deployer:" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
    for (String text : exposed) {
      for (String secret : secrets) {
        assertThat(text).as("exposed text").doesNotContain(secret);
      }
    }
    assertThat(dcos.toString()).contains("zdd-deployer").contains("<redacted>");
    assertThat(basic.toString()).isEqualTo("BasicAuth[user=deployer, password=<redacted>]");
  }

  @Test
  void loginEndpointThatIsNotHttp_isRejected() throws Exception {
    Path file = dir.resolve("ftp.json");
    Files.writeString(file, MarathonJson.MAPPER.createObjectNode().put("uid", "u").put("private_key", pkcs8Pem())
        .put("login_endpoint", "ftp://x/login").toString());

    assertThatThrownBy(() -> DcosServiceAccountAuth.readCredentials(file))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("dcos-auth-credentials.login_endpoint"));
    assertThat(URI.create("http://x").getScheme()).isEqualTo("http");
  }
}
