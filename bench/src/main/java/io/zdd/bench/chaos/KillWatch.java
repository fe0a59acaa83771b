package io.zdd.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.zdd.agent.AgentMain;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import io.zdd.common.tls.SpiffeId;
import io.zdd.coordinator.fleet.AgentClient;
import io.zdd.deploy.cluster.LocalCluster;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Watches every kill as Marathon reports it ({@code TASK_KILLING} on {@code GET /v2/events}, read
 * as a real SSE client) and checks two invariants at once: no task is killed twice, and no task is
 * killed while any LB holds a connection to it — the moment a kill is reported, every LB is asked
 * for its live sessions on that task's host:port. An LB that cannot answer then (its agent is
 * restarting) makes the kill unverifiable on that LB, counted apart.
 */
final class KillWatch implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LocalCluster cluster;
  private final Journal journal;
  private final Map<String, AtomicInteger> kills = new ConcurrentHashMap<>();
  private final ExecutorService checks = Executors.newSingleThreadExecutor();
  private final InputStream body;
  private final Thread reader;

  KillWatch(LocalCluster cluster, Journal journal) throws Exception {
    this.cluster = cluster;
    this.journal = journal;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create(cluster.marathonUrl() + "/v2/events?event_type=status_update_event"))
        .header("Accept", "text/event-stream").build();
    HttpResponse<InputStream> resp = http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream())
        .get(10, TimeUnit.SECONDS);
    if (resp.statusCode() != 200) {
      throw new IOException("GET /v2/events -> " + resp.statusCode());
    }
    body = resp.body();
    reader = new Thread(this::read, "soak-kill-watch");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data: ")) {
          JsonNode e = JSON.readTree(line.substring(6));
          if ("TASK_KILLING".equals(e.path("taskStatus").asText())) {
            onKill(e.path("taskId").asText(), e.path("host").asText(), e.path("ports").path(0).asInt());
          }
        }
      }
    } catch (IOException e) {
      // closed at the end of the soak
    }
  }

  private void onKill(String taskId, String host, int port) {
    int n = kills.computeIfAbsent(taskId, k -> new AtomicInteger()).incrementAndGet();
    if (n > 1) {
      journal.violation(Invariant.NO_DOUBLE_KILL, "task " + taskId + " killed " + n + " times");
    }
    checks.execute(() -> checkNoConnections(taskId, host, port));
  }

  private void checkNoConnections(String taskId, String host, int port) {
    for (AgentMain.Running agent : cluster.agents()) {
      ManagedChannel ch = cluster.agentChannel(agent, SpiffeId.Role.OPERATOR, "soak");
      try {
        int sessions = 0;
        for (ObservedBackend b : new AgentClient(agent.agentId(), ch, Duration.ofSeconds(2)).state().backends()) {
          for (ObservedServer s : b.servers()) {
            if (s.port() == port && (s.address().equals(host) || s.address().equals("127.0.0.1"))) {
              sessions += s.scur();
            }
          }
        }
        journal.killChecked(true);
        if (sessions > 0) {
          journal.violation(Invariant.NO_KILL_WITH_CONNECTION, "task " + taskId + " killed while " + agent.agentId() + " held " + sessions
              + " connection(s) to " + host + ":" + port);
        }
      } catch (RuntimeException e) {
        journal.killChecked(false);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  int totalKills() {
    return kills.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  @Override
  public void close() throws InterruptedException {
    try {
      body.close();
    } catch (IOException e) {
      // already closed
    }
    checks.shutdown();
    checks.awaitTermination(30, TimeUnit.SECONDS);
    reader.join(TimeUnit.SECONDS.toMillis(5));
  }
}
