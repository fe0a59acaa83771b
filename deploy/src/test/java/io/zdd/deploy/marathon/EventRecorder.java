package io.zdd.deploy.marathon;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/** Reads {@code GET /v2/events} on its own thread, as a real SSE client, and keeps every event. */
final class EventRecorder implements AutoCloseable {
  record Event(String type, JsonNode data) {}

  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> rawLines = new CopyOnWriteArrayList<>();
  private final InputStream body;
  private final Thread reader;
  private final CountDownLatch attached = new CountDownLatch(1);

  EventRecorder(String baseUrl, String query) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v2/events" + query))
        .header("Accept", "text/event-stream").build();
    HttpResponse<InputStream> response;
    try {
      // The headers come at once; the body streams until close() cancels it.
      response = http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("GET /v2/events failed", e);
    }
    if (response.statusCode() != 200) {
      throw new IOException("GET /v2/events -> " + response.statusCode());
    }
    body = response.body();
    reader = new Thread(this::read, "sse-recorder");
    reader.setDaemon(true);
    reader.start();
    if (!attached.await(10, TimeUnit.SECONDS)) {
      throw new IOException("the event stream did not start within 10 s");
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String type = null;
      String line;
      attached.countDown();
      while ((line = in.readLine()) != null) {
        rawLines.add(line);
        if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          events.add(new Event(type, MarathonClient.JSON.readTree(line.substring(6))));
        } else if (line.isEmpty()) {
          type = null;
        }
      }
    } catch (IOException e) {
      // closed by the test or the server
    } finally {
      attached.countDown();
    }
  }

  List<Event> events() {
    return new ArrayList<>(events);
  }

  List<Event> events(Predicate<Event> filter) {
    return events.stream().filter(filter).toList();
  }

  List<String> rawLines() {
    return new ArrayList<>(rawLines);
  }

  boolean isStreamOpen() {
    return reader.isAlive();
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException e) {
      // already gone
    }
  }
}
