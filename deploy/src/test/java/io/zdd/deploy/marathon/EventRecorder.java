package io.zdd.deploy.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Reads {@code GET /v2/events} on its own thread, as a real SSE client, and keeps every event. */
final class EventRecorder implements AutoCloseable {
  record Event(String type, JsonNode data) {}

  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> rawLines = new CopyOnWriteArrayList<>();
  private final HttpURLConnection connection;
  private final Thread reader;
  private final CountDownLatch attached = new CountDownLatch(1);

  EventRecorder(String baseUrl, String query) throws IOException, InterruptedException {
    connection = (HttpURLConnection) URI.create(baseUrl + "/v2/events" + query).toURL().openConnection();
    connection.setRequestProperty("Accept", "text/event-stream");
    connection.setConnectTimeout(5_000);
    connection.setReadTimeout(60_000);
    int status = connection.getResponseCode();
    if (status != 200) {
      throw new IOException("GET /v2/events -> " + status);
    }
    reader = new Thread(this::read, "sse-recorder");
    reader.setDaemon(true);
    reader.start();
    if (!attached.await(10, TimeUnit.SECONDS)) {
      throw new IOException("no first event or keep-alive within 10 s");
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
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
    connection.disconnect();
  }
}
