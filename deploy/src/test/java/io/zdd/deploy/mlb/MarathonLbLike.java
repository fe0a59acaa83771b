package io.zdd.deploy.mlb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A stand-in for marathon-lb (which cannot be installed here), run as its own process by tests:
 * it does what {@code marathon_lb.py --group G} and its stock run script do to HAProxy. It starts
 * HAProxy master-worker itself ({@code -f haproxy.cfg -f zdd.cfg}, as the zdd recipe asks), renders
 * {@code haproxy.cfg} from a {@code HAPROXY_HEAD} like marathon-lb's (server state kept in
 * {@code <dir>/state/global}) plus a frontend and backend for every app whose {@code HAPROXY_GROUP}
 * matches its group (marathon-lb's {@code has_group}), and on every Marathon event re-renders,
 * dumps {@code show servers state} into the state file and reloads through the master socket.
 * It prints {@code reloaded N} after each reload.
 *
 * <p>Arguments: {@code MARATHON_URL GROUP DIR HAPROXY_BIN}.
 */
public final class MarathonLbLike {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String marathon;
  private final String group;
  private final Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private int reloads;

  private MarathonLbLike(String marathon, String group, Path dir) {
    this.marathon = marathon;
    this.group = group;
    this.dir = dir;
  }

  public static void main(String[] args) throws Exception {
    MarathonLbLike mlb = new MarathonLbLike(args[0], args[1], Path.of(args[2]));
    Files.createDirectories(mlb.dir.resolve("state"));
    if (!Files.exists(mlb.dir.resolve("zdd.cfg"))) {
      Files.writeString(mlb.dir.resolve("zdd.cfg"), "# zdd's file, empty until the agent writes it\n");
    }
    Files.writeString(mlb.dir.resolve("haproxy.cfg"), mlb.render());
    Process haproxy = new ProcessBuilder(args[3], "-W", "-S", mlb.dir.resolve("master.sock") + ",mode,600",
        "-f", mlb.dir.resolve("haproxy.cfg").toString(), "-f", mlb.dir.resolve("zdd.cfg").toString())
        .redirectErrorStream(true).redirectOutput(mlb.dir.resolve("haproxy.out").toFile()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      haproxy.destroy();
      try {
        haproxy.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    System.out.println("started haproxy " + haproxy.pid());
    mlb.followEvents();
  }

  private void followEvents() throws Exception {
    while (true) {
      HttpRequest req = HttpRequest.newBuilder(URI.create(marathon + "/v2/events"))
          .header("Accept", "text/event-stream").build();
      HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (line.startsWith("data:")) {
            reload();
          }
        }
      } catch (IOException e) {
        System.out.println("event stream ended: " + e.getMessage());
      }
      Thread.sleep(500);
    }
  }

  /** What marathon-lb does on a change: render, keep the runtime state, reload. */
  private void reload() throws Exception {
    Path cfg = dir.resolve("haproxy.cfg");
    Path tmp = dir.resolve("haproxy.cfg.tmp");
    Files.writeString(tmp, render());
    Files.move(tmp, cfg, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(dir.resolve("state/global"), exchange(dir.resolve("admin.sock"), "show servers state"));
    exchange(dir.resolve("master.sock"), "reload");
    System.out.println("reloaded " + (++reloads));
  }

  String render() throws Exception {
    StringBuilder b = new StringBuilder("""
        global
          stats socket %1$s/admin.sock mode 660 level admin expose-fd listeners
          server-state-base %1$s/state/
          server-state-file global
          hard-stop-after 10s
        defaults
          load-server-state-from-file global
          mode http
          timeout connect 5s
          timeout client 30s
          timeout server 30s
        """.formatted(dir));
    JsonNode apps = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(marathon + "/v2/apps?embed=apps.tasks"))
        .build(), HttpResponse.BodyHandlers.ofString()).body()).path("apps");
    for (JsonNode app : apps) {
      Set<String> groups = new TreeSet<>(Arrays.asList(app.path("labels").path("HAPROXY_GROUP").asText("").split(",")));
      groups.remove("");
      if (!group.equals("*") && !groups.contains(group)) {
        continue;
      }
      List<JsonNode> ports = app.path("portDefinitions").findValues("port");
      if (ports.isEmpty()) {
        continue;
      }
      int servicePort = ports.get(0).asInt();
      String name = app.path("id").asText().replace('/', '_') + "_" + servicePort;
      b.append("frontend ").append(name).append("\n  bind 127.0.0.1:").append(servicePort)
          .append("\n  mode http\n  use_backend ").append(name).append("\nbackend ").append(name)
          .append("\n  balance roundrobin\n  mode http\n");
      for (JsonNode task : app.path("tasks")) {
        if (task.path("ports").size() > 0) {
          String host = task.path("host").asText();
          int port = task.path("ports").get(0).asInt();
          b.append("  server ").append(host.replace('.', '_')).append('_').append(port).append(' ')
              .append(host).append(':').append(port).append('\n');
        }
      }
    }
    return b.toString();
  }

  static String exchange(Path socket, String command) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
      ch.shutdownOutput();
      StringBuilder out = new StringBuilder();
      ByteBuffer buf = ByteBuffer.allocate(8192);
      while (ch.read(buf) >= 0) {
        buf.flip();
        out.append(StandardCharsets.UTF_8.decode(buf));
        buf.clear();
      }
      return out.toString();
    }
  }
}
