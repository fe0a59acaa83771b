package io.zdd.deploy.ha;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Marathon side of "no task is killed twice": follows the local scheduler's
 * {@code GET /v2/events} stream as a real SSE client and counts, per task id, the
 * {@code status_update_event}s with {@code TASK_KILLING} (one per kill that hit a live task).
 */
final class MarathonKillRecorder implements AutoCloseable {
  private final Map<String, AtomicInteger> killing = new ConcurrentHashMap<>();
  private final InputStream body;
  private final CountDownLatch attached = new CountDownLatch(1);

  MarathonKillRecorder(String marathonUrl) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create(marathonUrl + "/v2/events?event_type=status_update_event"))
        .header("Accept", "text/event-stream").build();
    HttpResponse<InputStream> resp = http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS);
    if (resp.statusCode() != 200) {
      throw new IOException("GET /v2/events -> " + resp.statusCode());
    }
    body = resp.body();
    Thread t = new Thread(this::read, "marathon-kill-recorder");
    t.setDaemon(true);
    t.start();
    if (!attached.await(10, TimeUnit.SECONDS)) {
      throw new IOException("event stream did not start");
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      attached.countDown();
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data: ")) {
          JsonNode e = HaCluster.JSON.readTree(line.substring(6));
          if ("TASK_KILLING".equals(e.path("taskStatus").asText())) {
            killing.computeIfAbsent(e.path("taskId").asText(), k -> new AtomicInteger()).incrementAndGet();
          }
        }
      }
    } catch (IOException e) {
      // closed by the test or the server
    } finally {
      attached.countDown();
    }
  }

  /** How many kills Marathon started, of any task. */
  int totalKills() {
    return killing.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** How many times Marathon started killing this task. */
  int kills(String taskId) {
    AtomicInteger n = killing.get(taskId);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
