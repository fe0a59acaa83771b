package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.UnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The socket exchange against tiny unix-socket servers that behave like the two HAProxy CLIs:
 * one answers only after the client half-closes (like the 2.6 master CLI), one never answers.
 */
class UnixSocketExchangeTest {
  @TempDir Path dir;

  @Test
  void halfClosesSoAServerWaitingForEofAnswers() throws Exception {
    Path sock = dir.resolve("master.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
        try (SocketChannel c = server.accept()) {
          ByteArrayOutputStream in = new ByteArrayOutputStream();
          ByteBuffer buf = ByteBuffer.allocate(256);
          while (c.read(buf) >= 0) { // until the client's EOF
            in.write(buf.array(), 0, buf.position());
            buf.clear();
          }
          c.write(ByteBuffer.wrap("answer\n".getBytes(StandardCharsets.US_ASCII)));
          return in.toString(StandardCharsets.US_ASCII);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      assertThat(UnixSocketExchange.exchange(sock, "show proc", Duration.ofSeconds(2))).isEqualTo("answer\n");
      assertThat(received.get()).isEqualTo("show proc\n");
    }
  }

  @Test
  void aServerThatNeverAnswersHitsTheDeadline() throws Exception {
    Path sock = dir.resolve("silent.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      long start = System.nanoTime();
      assertThatThrownBy(() -> UnixSocketExchange.exchange(sock, "show stat", Duration.ofMillis(300)))
          .isInstanceOf(DeadlineExceededException.class).hasMessageContaining("show");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(2));
    }
  }

  @Test
  void aMissingSocketIsUnavailable() {
    assertThatThrownBy(() -> UnixSocketExchange.exchange(dir.resolve("none.sock"), "show info", Duration.ofSeconds(1)))
        .isInstanceOf(UnavailableException.class).hasMessageContaining("none.sock");
  }

  @Test
  void aListenerThatStoppedAccepting_hitsTheDeadlineOnConnect() throws Exception {
    Path sock = dir.resolve("full.sock");
    List<SocketChannel> queued = new ArrayList<>();
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock), 1);
      // Fill the backlog: nobody accepts, so a further blocking connect would wait forever.
      for (int i = 0; i < 64; i++) {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.configureBlocking(false);
        try {
          c.connect(UnixDomainSocketAddress.of(sock));
          queued.add(c);
        } catch (IOException full) {
          c.close();
          break;
        }
      }
      CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
        try {
          UnixSocketExchange.exchange(sock, "show info", Duration.ofMillis(300));
          return null;
        } catch (RuntimeException e) {
          return e;
        }
      });
      Throwable t = outcome.get(10, TimeUnit.SECONDS);
      assertThat(t).isNotNull();
      assertThat(t.getClass().getSimpleName()).isIn("DeadlineExceededException", "UnavailableException");
    } finally {
      for (SocketChannel c : queued) {
        c.close();
      }
    }
  }
}
