package io.zdd.agent.haproxy;

import io.zdd.agent.exec.CommandRunner;
import io.zdd.agent.exec.ProcessCommandRunner;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The applier's program runner for tests: runs the real {@code haproxy -c}, counts the runs, and
 * can hold the next ones until released (a slow check of another group's file step).
 */
final class ConfigChecks implements CommandRunner {
  private final CommandRunner real = new ProcessCommandRunner();
  private final AtomicInteger runs = new AtomicInteger();
  private final AtomicReference<CountDownLatch> gate = new AtomicReference<>();
  private final CountDownLatch entered = new CountDownLatch(1);

  @Override
  public Result run(List<String> command, byte[] stdin, Duration timeout) {
    if (command.contains("-c")) {
      runs.incrementAndGet();
      CountDownLatch g = gate.get();
      if (g != null) {
        entered.countDown();
        try {
          g.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    return real.run(command, stdin, timeout);
  }

  /** {@code haproxy -c} runs so far. */
  int runs() {
    return runs.get();
  }

  /** Holds every {@code haproxy -c} from now on until {@link #release}. */
  void hold() {
    gate.set(new CountDownLatch(1));
  }

  /** True once a check is being held (within {@code wait}). */
  boolean awaitHeld(Duration wait) throws InterruptedException {
    return entered.await(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  void release() {
    CountDownLatch g = gate.getAndSet(null);
    if (g != null) {
      g.countDown();
    }
  }
}
