package io.zdd.bench.fleet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * One thread serving many unix listening sockets the way HAProxy's CLI serves one command per
 * connection: read a line, answer, close. Used by the {@link RuntimeApiStandIn}s (stand-ins for
 * HAProxy's runtime API), so hundreds of them cost one thread, not two per stand-in. A handler
 * returning empty closes the connection without an answer (the master CLI's {@code reload}).
 */
final class UnixSocketLoop implements AutoCloseable {
  /** The fleet bench's stand-ins' thread; the bench reads its CPU time apart from the agents'. */
  static final String THREAD_NAME = "runtime-api-stand-ins";
  /** A command line longer than this is not one the agent sends. */
  private static final int MAX_LINE = 64 * 1024;

  private final Selector selector;
  private final Thread thread;
  private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  UnixSocketLoop(String name) throws IOException {
    this.selector = Selector.open();
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Binds {@code socket} (replacing a stale file) and answers each line with {@code handler}. */
  void listen(Path socket, Function<String, Optional<String>> handler) throws IOException {
    Files.deleteIfExists(socket);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    server.configureBlocking(false);
    pending.add(() -> {
      try {
        server.register(selector, SelectionKey.OP_ACCEPT, handler);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    selector.wakeup();
  }

  private void run() {
    while (!closed) {
      try {
        selector.select();
        for (Runnable r; (r = pending.poll()) != null; ) {
          r.run();
        }
        for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          handle(key);
        }
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          System.err.println("bench: stand-in socket loop: " + e);
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void handle(SelectionKey key) {
    try {
      if (!key.isValid()) {
        return;
      }
      if (key.isAcceptable()) {
        SocketChannel ch = ((ServerSocketChannel) key.channel()).accept();
        if (ch != null) {
          ch.configureBlocking(false);
          ch.register(selector, SelectionKey.OP_READ,
              new Connection((Function<String, Optional<String>>) key.attachment()));
        }
      } else if (key.isReadable()) {
        read(key);
      } else if (key.isWritable()) {
        write(key);
      }
    } catch (IOException | RuntimeException e) {
      close(key);
    }
  }

  private void read(SelectionKey key) throws IOException {
    SocketChannel ch = (SocketChannel) key.channel();
    Connection c = (Connection) key.attachment();
    ByteBuffer buf = ByteBuffer.allocate(4096);
    int n = ch.read(buf);
    if (n > 0) {
      c.in.write(buf.array(), 0, n);
    }
    String text = c.in.toString(StandardCharsets.US_ASCII);
    int nl = text.indexOf('\n');
    if (nl < 0 && n >= 0 && c.in.size() < MAX_LINE) {
      return; // the rest of the line is still coming
    }
    String line = (nl < 0 ? text : text.substring(0, nl)).strip();
    Optional<String> answer = c.handler.apply(line);
    if (answer.isEmpty() || answer.get().isEmpty()) {
      close(key);
      return;
    }
    c.out = ByteBuffer.wrap(answer.get().getBytes(StandardCharsets.UTF_8));
    key.interestOps(SelectionKey.OP_WRITE);
    write(key);
  }

  private void write(SelectionKey key) throws IOException {
    Connection c = (Connection) key.attachment();
    ((SocketChannel) key.channel()).write(c.out);
    if (!c.out.hasRemaining()) {
      close(key);
    }
  }

  private static void close(SelectionKey key) {
    key.cancel();
    try {
      key.channel().close();
    } catch (IOException e) {
      // closing a connection the client already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SelectionKey k : selector.keys()) {
      close(k);
    }
    try {
      selector.close();
    } catch (IOException e) {
      System.err.println("bench: closing the stand-in socket loop: " + e);
    }
  }

  /** One client connection: the line read so far, then the answer being written. */
  private static final class Connection {
    final Function<String, Optional<String>> handler;
    final ByteArrayOutputStream in = new ByteArrayOutputStream();
    ByteBuffer out;

    Connection(Function<String, Optional<String>> handler) {
      this.handler = handler;
    }
  }
}
