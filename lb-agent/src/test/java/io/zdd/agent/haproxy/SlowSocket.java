package io.zdd.agent.haproxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A unix socket in front of HAProxy's stats socket that forwards each command (one per
 * connection, as {@link HaproxyRuntimeClient} sends them) and can hold back the commands that
 * name one proxy: HAProxy made slow for one group's work only, while every other command goes
 * through at once. A held command reaches HAProxy, unchanged, once released.
 */
final class SlowSocket implements AutoCloseable {
  private final Path path;
  private final Path target;
  private final ServerSocketChannel server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "slow-socket");
    t.setDaemon(true);
    return t;
  });
  private final BlockingQueue<String> held = new LinkedBlockingQueue<>();
  private volatile String holding;
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile String refusal;

  private SlowSocket(Path path, Path target) throws IOException {
    this.path = path;
    this.target = target;
    Files.deleteIfExists(path);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    threads.execute(this::acceptLoop);
  }

  /** Listens on {@code path}, forwarding to {@code target}. */
  static SlowSocket start(Path path, Path target) {
    try {
      return new SlowSocket(path, target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path path() {
    return path;
  }

  /** From now on, commands containing {@code text} wait until {@link #release}. */
  void hold(String text) {
    refusal = null;
    gate = new CountDownLatch(1);
    holding = text;
  }

  /**
   * As {@link #hold}, but once released the held commands are answered with {@code reply}
   * instead of reaching HAProxy: HAProxy refusing them.
   */
  void holdThenRefuse(String text, String reply) {
    hold(text);
    refusal = reply;
  }

  /** The next command held back, waiting at most {@code max}; null when none came. */
  String awaitHeld(Duration max) throws InterruptedException {
    return held.poll(max.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Lets the held commands through and stops holding. */
  void release() {
    holding = null;
    gate.countDown();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        threads.execute(() -> relay(client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void relay(SocketChannel client) {
    try (client) {
      byte[] request = readAll(client);
      String line = new String(request, StandardCharsets.US_ASCII);
      String h = holding;
      CountDownLatch g = gate;
      if (h != null && line.contains(h)) {
        String refused = refusal;
        held.add(line.strip());
        g.await(60, TimeUnit.SECONDS);
        if (refused != null) {
          client.write(ByteBuffer.wrap(refused.getBytes(StandardCharsets.US_ASCII)));
          return;
        }
      }
      try (SocketChannel haproxy = SocketChannel.open(UnixDomainSocketAddress.of(target))) {
        haproxy.write(ByteBuffer.wrap(request));
        haproxy.shutdownOutput();
        client.write(ByteBuffer.wrap(readAll(haproxy)));
      }
    } catch (IOException e) {
      // The client gave up (its deadline) or HAProxy went away: nothing to relay.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static byte[] readAll(SocketChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    while (ch.read(buf) >= 0) {
      if (!buf.hasRemaining()) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
    }
    out.write(buf.array(), 0, buf.position());
    return out.toByteArray();
  }

  @Override
  public void close() {
    release();
    try {
      server.close();
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.shutdownNow();
  }
}
