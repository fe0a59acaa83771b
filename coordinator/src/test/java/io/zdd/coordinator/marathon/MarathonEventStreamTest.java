package io.zdd.coordinator.marathon;

import io.zdd.coordinator.engine.port.Sleeper;
import static io.zdd.coordinator.marathon.FakeMarathon.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zdd.common.concurrent.Backoff;
import io.zdd.common.concurrent.NamedThreadFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MarathonEventStreamTest {
  private static final String STATUS_UPDATE = "event: status_update_event\n"
      + "data: {\"eventType\":\"status_update_event\",\"appId\":\"/nginx-green\",\"taskId\":\"nginx-green.1\","
      + "\"taskStatus\":\"TASK_RUNNING\",\"host\":\"10.0.6.25\",\"ports\":[31001]}\n\n";
  private static final String HEALTH = "event: health_status_changed_event\n"
      + "data: {\"eventType\":\"health_status_changed_event\",\"appId\":\"/nginx-green\",\"alive\":true}\n\n";

  private FakeMarathon marathon;
  private MarathonEventStream stream;
  private final List<MarathonEvent> events = new CopyOnWriteArrayList<>();
  private final List<String> threads = new CopyOnWriteArrayList<>();
  private final List<String> disconnects = new CopyOnWriteArrayList<>();
  private final AtomicInteger connects = new AtomicInteger();
  private final List<Duration> pauses = new CopyOnWriteArrayList<>();
  /** When set, each event keeps the reader busy this long, deaf to interrupts. */
  private volatile Duration busyPerEvent = Duration.ZERO;

  private final MarathonEventListener listener = new MarathonEventListener() {
    @Override
    public void onEvent(MarathonEvent event) {
      threads.add(Thread.currentThread().getName());
      if (event.data().path("boom").asBoolean()) {
        throw new IllegalStateException("listener bug");
      }
      events.add(event);
      long until = System.nanoTime() + busyPerEvent.toNanos();
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
    }

    @Override
    public void onConnected() {
      connects.incrementAndGet();
    }

    @Override
    public void onDisconnected(String reason) {
      disconnects.add(reason);
    }
  };

  @BeforeEach
  void start() throws Exception {
    marathon = new FakeMarathon();
  }

  @AfterEach
  void stop() {
    if (stream != null) {
      stream.close();
    }
    marathon.close();
  }

  /** Sends the events, then keeps the stream open until the server closes if {@code hold}. */
  private FakeMarathon.Responder sse(boolean hold, String... chunks) {
    return (exchange, request) -> {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      try {
        for (String chunk : chunks) {
          if (chunk.startsWith("PAUSE ")) {
            Thread.sleep(Long.parseLong(chunk.substring(6)));
            continue;
          }
          out.write(chunk.getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        return; // the client went away
      }
      if (hold) {
        marathon.awaitClose();
      }
      exchange.close();
    };
  }

  private MarathonEventStream stream(MarathonAuth auth, Duration requestTimeout, String... types) {
    return stream(MarathonClientConfig.defaults(marathon.uri()).withRequestTimeout(requestTimeout), auth, types);
  }

  private MarathonEventStream stream(MarathonClientConfig config, MarathonAuth auth, String... types) {
    // No jitter: the delays are exactly 20, 40, 80 ... ms, so the test can check resets.
    Backoff backoff = new Backoff(Duration.ofMillis(20), Duration.ofMillis(640), 2.0, 0.0, () -> 0.0);
    Sleeper recording = d -> {
      pauses.add(d);
      Sleeper.real().sleep(d);
    };
    stream = new MarathonEventStream(config, HttpMarathonClient.newHttpClient(config), auth, List.of(types),
        listener, backoff, recording, new NamedThreadFactory("marathon-events-test"));
    stream.start();
    return stream;
  }

  @Test
  void openStream_deliversTypedEventsInOrderOnOneThreadWithTheFilterQuery() {
    marathon.on("GET", "/v2/events", sse(true,
        ": keep-alive comment\n\n",
        STATUS_UPDATE,
        "PAUSE 2500", // longer than the request timeout: the open stream must not be cut
        HEALTH,
        // No event: line; the type comes from eventType. Data split over two lines.
        "data: {\"eventType\":\"api_post_event\",\ndata: \"appDefinition\":{\"id\":\"/x\"}}\n\n"));

    stream(MarathonAuth.NONE, Duration.ofSeconds(1), "status_update_event", "health_status_changed_event", "api_post_event");

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 3);
    assertThat(events).extracting(MarathonEvent::type)
        .containsExactly("status_update_event", "health_status_changed_event", "api_post_event");
    assertThat(events.get(0).appId()).contains("/nginx-green");
    assertThat(events.get(0).taskId()).contains("nginx-green.1");
    assertThat(events.get(2).data().path("appDefinition").path("id").asText()).isEqualTo("/x");
    assertThat(threads).hasSize(3).containsOnly(threads.get(0));
    assertThat(threads.get(0)).startsWith("marathon-events-test");
    FakeMarathon.Recorded request = marathon.requests().get(0);
    assertThat(request.query()).isEqualTo(
        "plan-format=light&event_type=status_update_event&event_type=health_status_changed_event&event_type=api_post_event");
    assertThat(request.header("Accept")).isEqualTo("text/event-stream");
    assertThat(marathon.requests()).hasSize(1);
    assertThat(connects).hasValue(1);
    assertThat(disconnects).isEmpty();
  }

  @Test
  void failures_reconnectWithGrowingBackoffThatResetsOnlyAfterAnEvent() {
    marathon.on("GET", "/v2/events",
        json(500, "{\"message\":\"leader election\"}"),
        json(503, "{}"),
        sse(false, STATUS_UPDATE),   // one event, then the stream ends
        sse(false),                  // accepted, then closed before any event: still a failure
        json(500, "{}"),
        sse(true, HEALTH));

    stream(MarathonAuth.NONE, Duration.ofSeconds(2), "status_update_event", "health_status_changed_event");

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
    assertThat(events).extracting(MarathonEvent::type).containsExactly("status_update_event", "health_status_changed_event");
    assertThat(pauses).containsExactly(Duration.ofMillis(20), Duration.ofMillis(40),
        Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(80));
    assertThat(marathon.requests()).hasSize(6);
    assertThat(connects).hasValue(3);
    assertThat(disconnects).hasSize(5);
    assertThat(disconnects.get(0)).contains("500").contains("leader election");
    assertThat(disconnects.get(2)).isEqualTo("the stream ended");
  }

  @Test
  void aLineLongerThanMaxSseLine_endsTheStreamNamingTheFlag_andItReconnects() {
    marathon.on("GET", "/v2/events",
        sse(false, "event: status_update_event\ndata: {\"x\":\"" + "x".repeat(5000) + "\"}\n\n"),
        sse(true, HEALTH));

    stream(MarathonClientConfig.defaults(marathon.uri()).withRequestTimeout(Duration.ofSeconds(2))
        .withLimits(64 << 10, 4 << 10), MarathonAuth.NONE);

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
    assertThat(events.get(0).type()).isEqualTo("health_status_changed_event");
    assertThat(disconnects).hasSize(1);
    assertThat(disconnects.get(0)).contains("line longer than 4096 characters (--max-sse-line)");
    assertThat(marathon.requests()).hasSize(2);
  }

  @Test
  void badEventDataOrListenerFailure_skipsThatEventOnly() {
    marathon.on("GET", "/v2/events", sse(true,
        "event: status_update_event\ndata: {not json\n\n",
        "event: status_update_event\ndata: {\"boom\":true}\n\n",
        "data: {\"no\":\"type\"}\n\n",
        HEALTH));

    stream(MarathonAuth.NONE, Duration.ofSeconds(2));

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
    assertThat(events.get(0).type()).isEqualTo("health_status_changed_event");
    assertThat(marathon.requests()).hasSize(1);
    assertThat(disconnects).isEmpty();
    assertThat(marathon.requests().get(0).query()).isEqualTo("plan-format=light");
  }

  @Test
  void close_stopsTheThreadAndNeverReconnects() {
    marathon.on("GET", "/v2/events", sse(true, STATUS_UPDATE));
    stream(MarathonAuth.NONE, Duration.ofSeconds(2), "status_update_event");
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);

    stream.close();

    assertThat(stream.running()).isFalse();
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> marathon.requests().size() == 1);
    assertThat(disconnects).isEmpty();
  }

  @Test
  void closeFromAnInterruptedThread_stillWaitsForTheReaderToStop() {
    busyPerEvent = Duration.ofSeconds(1);
    marathon.on("GET", "/v2/events", sse(true, STATUS_UPDATE));
    stream(MarathonAuth.NONE, Duration.ofSeconds(2), "status_update_event");
    // The reader is inside the listener (busy for a second) when close comes.
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);

    // A leader term closes on the thread Curator interrupts when leadership is lost.
    Thread.currentThread().interrupt();
    stream.close();

    assertThat(Thread.interrupted()).as("the interrupt is passed on").isTrue();
    assertThat(stream.running()).as("the reader stopped before close returned").isFalse();
  }

  @Test
  void unauthorized_renewsCredentialsThenReconnectsWithThem() {
    AtomicInteger logins = new AtomicInteger(1);
    MarathonAuth auth = new MarathonAuth() {
      @Override
      public Optional<String> authorization() {
        return Optional.of("token=t" + logins.get());
      }

      @Override
      public boolean refreshAfterUnauthorized() {
        logins.incrementAndGet();
        return true;
      }
    };
    marathon.on("GET", "/v2/events", json(401, "{\"message\":\"expired\"}"), sse(true, HEALTH));

    stream(auth, Duration.ofSeconds(2), "health_status_changed_event");

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
    assertThat(marathon.requests()).extracting(r -> r.header("Authorization")).containsExactly("token=t1", "token=t2");
  }

  @Test
  void marathonNotAnswering_timesOutAndReconnects() {
    marathon.on("GET", "/v2/events", marathon.hang(), sse(true, STATUS_UPDATE));

    stream(MarathonAuth.NONE, Duration.ofSeconds(1), "status_update_event");

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
    assertThat(disconnects).hasSize(1);
    assertThat(disconnects.get(0)).contains("Timeout");
  }
}
