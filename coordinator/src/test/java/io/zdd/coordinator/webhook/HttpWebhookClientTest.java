package io.zdd.coordinator.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zdd.common.error.InvalidInputException;
import io.zdd.coordinator.engine.port.WebhookPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhooks against a real local HTTP receiver: signed bodies, answers, deadlines, no redirects, a bounded queue. */
class HttpWebhookClientTest {
  private static final byte[] SECRET = "s3cret-for-tests".getBytes(StandardCharsets.UTF_8);

  record Received(String path, String body, String timestamp, String signature) {}

  private HttpServer receiver;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private final CountDownLatch unblock = new CountDownLatch(1);
  private HttpWebhookClient client;

  @BeforeEach
  void start() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    receiver.setExecutor(Executors.newFixedThreadPool(4));
    receiver.createContext("/", this::answer);
    receiver.start();
    client = new HttpWebhookClient(Optional.of(SECRET), Clock.systemUTC(), 3);
  }

  @AfterEach
  void stop() {
    unblock.countDown();
    client.close();
    receiver.stop(0);
  }

  private void answer(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    received.add(new Received(ex.getRequestURI().getPath(), body, ex.getRequestHeaders().getFirst("X-Zdd-Timestamp"),
        ex.getRequestHeaders().getFirst("X-Zdd-Signature")));
    if (ex.getRequestURI().getPath().equals("/hang")) {
      try {
        unblock.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (ex.getRequestURI().getPath().equals("/moved")) {
      ex.getResponseHeaders().set("Location", url("/ok").toString());
      ex.sendResponseHeaders(302, -1);
      ex.close();
      return;
    }
    byte[] reply = ("answer " + status.get()).getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status.get(), reply.length);
    ex.getResponseBody().write(reply);
    ex.close();
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + path);
  }

  @Test
  void aBodyArrivesSigned_andTheSignatureVerifiesOnlyWithTheSecretTheTimeAndTheBody() {
    WebhookPort.WebhookResult r = client.call(url("/gate"), "{\"step\":1}", Duration.ofSeconds(5));
    assertThat(r.passed()).isTrue();
    Received got = received.get(0);
    assertThat(got.body()).isEqualTo("{\"step\":1}");
    long ts = Long.parseLong(got.timestamp());
    assertThat(WebhookSignature.verify(SECRET, ts, got.body(), got.signature())).isTrue();
    assertThat(WebhookSignature.verify("other".getBytes(StandardCharsets.UTF_8), ts, got.body(), got.signature())).isFalse();
    assertThat(WebhookSignature.verify(SECRET, ts, "{\"step\":2}", got.signature())).isFalse();
    assertThat(WebhookSignature.verify(SECRET, ts + 1, got.body(), got.signature())).isFalse();
    assertThat(WebhookSignature.verify(SECRET, ts, got.body(), "sha256=zz")).isFalse();
  }

  @Test
  void aNon2xxAnswer_failsWithTheStartOfItsBody_andNoAnswer_failsWithinTheTimeout() {
    status.set(503);
    WebhookPort.WebhookResult refused = client.call(url("/gate"), "{}", Duration.ofSeconds(5));
    assertThat(refused.passed()).isFalse();
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.error()).isEqualTo("answer 503");

    WebhookPort.WebhookResult hung = client.call(url("/hang"), "{}", Duration.ofMillis(300));
    assertThat(hung.status()).isZero();
    assertThat(hung.error()).contains("300 ms");
    assertThat(hung.took()).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aRedirectIsNotFollowed() {
    WebhookPort.WebhookResult r = client.call(url("/moved"), "{}", Duration.ofSeconds(5));
    assertThat(r.status()).isEqualTo(302);
    assertThat(r.passed()).isFalse();
    assertThat(received).extracting(Received::path).containsExactly("/moved");
  }

  @Test
  void notifications_arriveInOrder_andAFullQueueDropsTheOldest() {
    client.notify(url("/hang"), SlackMessage.of("first"));
    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
    for (int i = 0; i < 5; i++) {
      client.notify(url("/n"), SlackMessage.of("n" + i));
    }
    assertThat(client.dropped()).isEqualTo(2);
    unblock.countDown();
    await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 4);
    assertThat(received.subList(1, 4)).extracting(Received::body)
        .containsExactly("{\"text\":\"n2\"}", "{\"text\":\"n3\"}", "{\"text\":\"n4\"}");
  }

  @Test
  void urlsWithCredentialsOrOtherSchemes_areRefused() {
    assertThatThrownBy(() -> WebhookUrls.check("w.url", "https://user:pw@hooks.example/x")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("w.url").hasMessageNotContaining("pw");
    assertThatThrownBy(() -> WebhookUrls.check("w.url", "file:///etc/passwd")).isInstanceOf(InvalidInputException.class);
    assertThat(WebhookUrls.check("w.url", "https://hooks.example/x").getHost()).isEqualTo("hooks.example");
  }
}
