package io.zdd.agent.haproxy;

import io.zdd.common.concurrent.CallDeadline;
import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.UnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One command on one connection to an HAProxy unix socket: connect, write the line, half-close
 * the write side (the 2.6 master CLI otherwise keeps the connection open after answering), read
 * to EOF. Non-blocking with a selector so the whole exchange has one deadline.
 */
final class UnixSocketExchange {
  /** A reply larger than this is a bug or an attack; stop reading. */
  private static final int MAX_REPLY = 32 << 20;

  private UnixSocketExchange() {}

  /** @param timeout the exchange's own bound; a caller's {@link CallDeadline} may shorten it */
  static String exchange(Path socket, String line, Duration timeout) {
    long deadline = System.nanoTime() + CallDeadline.bound(timeout, "asking HAProxy '" + firstWord(line) + "'").toNanos();
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = Selector.open()) {
      // Non-blocking from the start: a unix connect to a listener whose backlog is full (an
      // HAProxy that stopped accepting) would otherwise block past the deadline.
      ch.configureBlocking(false);
      SelectionKey key;
      if (ch.connect(UnixDomainSocketAddress.of(socket))) {
        key = ch.register(selector, SelectionKey.OP_WRITE);
      } else {
        key = ch.register(selector, SelectionKey.OP_CONNECT);
        while (!ch.finishConnect()) {
          await(selector, deadline, socket, line);
        }
        key.interestOps(SelectionKey.OP_WRITE);
      }
      ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
      while (out.hasRemaining()) {
        await(selector, deadline, socket, line);
        ch.write(out);
      }
      ch.shutdownOutput();
      key.interestOps(SelectionKey.OP_READ);
      ByteArrayOutputStream reply = new ByteArrayOutputStream();
      ByteBuffer in = ByteBuffer.allocate(64 * 1024);
      while (true) {
        int n = ch.read(in);
        if (n < 0) {
          break;
        }
        if (n == 0) {
          await(selector, deadline, socket, line);
          continue;
        }
        reply.write(in.array(), 0, in.position());
        in.clear();
        if (reply.size() > MAX_REPLY) {
          throw new UnavailableException("reply from " + socket + " exceeds " + MAX_REPLY + " bytes");
        }
      }
      return reply.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UnavailableException("HAProxy socket " + socket + " failed on '" + firstWord(line)
          + "': " + e.getMessage(), e);
    }
  }

  private static void await(Selector selector, long deadline, Path socket, String line)
      throws IOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new DeadlineExceededException("HAProxy socket " + socket + " did not answer '"
          + firstWord(line) + "' in time");
    }
    selector.select(Math.max(1, left / 1_000_000));
    selector.selectedKeys().clear();
  }

  private static String firstWord(String line) {
    // Only the command verb goes into errors: enough to debug, nothing of the arguments.
    int sp = line.indexOf(' ', line.startsWith("@") ? line.indexOf(' ') + 1 : 0);
    return sp < 0 ? line : line.substring(0, Math.min(line.length(), sp + 20));
  }
}
