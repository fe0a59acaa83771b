package io.zdd.coordinator.fleet;

import io.zdd.common.model.AgentId;
import io.zdd.coordinator.engine.port.AgentCallResult;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fleet-wide call: the per-agent calls are started one after the other without waiting for
 * answers (asynchronous gRPC calls, each with its own deadline, no thread per call), at most
 * {@code window} in flight at once, and their results are collected as they complete. A slow or
 * dead agent delays nothing but its own result. A failure is that agent's
 * {@link AgentCallResult#failed}, never thrown across agents.
 */
final class FanOut {
  private static final Logger log = LoggerFactory.getLogger(FanOut.class);

  /**
   * Calls in flight per fan-out. Every call costs an HTTP/2 stream and the agent's work, not a
   * thread; 256 lets a fleet of a few hundred LBs get a step in one wave, while a fleet larger
   * still does not open thousands of streams and buffers at once.
   */
  static final int DEFAULT_WINDOW = 256;
  /** Beyond the last call's deadline, how long the collection waits for an answer gRPC still owes. */
  private static final Duration GRACE = Duration.ofSeconds(5);

  private final Map<AgentId, CompletableFuture<AgentCallResult>> results = new LinkedHashMap<>();
  /** The calls themselves, to cancel one whose answer is given up on. */
  private final Map<AgentId, CompletableFuture<AgentCallResult>> calls = new LinkedHashMap<>();
  private final Duration deadline;

  private FanOut(Duration deadline) {
    this.deadline = deadline;
  }

  /**
   * Starts {@code call} on every one of {@code members}; waits (on the caller's thread) only for a
   * free place in the window. {@code call} starts the agent's call and returns its future; that
   * future failing, or {@code call} throwing, is the agent's failed result.
   *
   * @param deadline each call's own deadline (from its start), to bound the collection
   */
  static FanOut start(List<AgentFleet.Member> members, int window, Duration deadline, String what,
      Function<AgentFleet.Member, CompletableFuture<AgentCallResult>> call) {
    FanOut f = new FanOut(deadline);
    Semaphore inFlight = new Semaphore(window);
    for (AgentFleet.Member m : members) {
      AgentId id = m.endpoint().id();
      if (f.results.containsKey(id)) {
        continue;
      }
      try {
        inFlight.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        f.results.put(id, CompletableFuture.completedFuture(AgentCallResult.failed(id, "not sent: interrupted")));
        continue;
      }
      CompletableFuture<AgentCallResult> started;
      try {
        started = call.apply(m);
      } catch (RuntimeException e) {
        started = CompletableFuture.failedFuture(e);
      }
      CompletableFuture<AgentCallResult> result = started.handle((r, e) -> {
        inFlight.release();
        if (e == null) {
          return r;
        }
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        log.warn("[agent={}] {} failed: {}", id, what, cause.getMessage());
        return AgentCallResult.failed(id, cause.getClass().getSimpleName() + ": " + cause.getMessage());
      });
      f.calls.put(id, started);
      f.results.put(id, result);
    }
    return f;
  }

  /**
   * Returns {@code dependent}, the mapped answer of {@code call}, wired so that cancelling it (a
   * result given up on) cancels the call itself: a dependent future does not do that on its own.
   */
  static <R> CompletableFuture<R> cancelling(CompletableFuture<?> call, CompletableFuture<R> dependent) {
    var unused = dependent.whenComplete((r, e) -> {
      if (dependent.isCancelled()) {
        call.cancel(true);
      }
    });
    return dependent;
  }

  /** Each agent's result as it completes, in the order the agents were given. */
  Map<AgentId, CompletableFuture<AgentCallResult>> results() {
    return results;
  }

  /**
   * Every agent's result, once all completed; each call ends by its deadline. An answer still
   * missing after that (plus a grace) counts as failed and its call is cancelled, as on interrupt.
   */
  Map<AgentId, AgentCallResult> await() {
    CompletableFuture<Void> all = CompletableFuture.allOf(results.values().toArray(CompletableFuture[]::new));
    try {
      all.get(deadline.plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException | ExecutionException e) {
      // Collected one by one below; each result future already turned its failure into a result.
    }
    Map<AgentId, AgentCallResult> out = new LinkedHashMap<>();
    results.forEach((id, f) -> {
      if (f.isDone()) {
        out.put(id, f.join());
      } else {
        calls.get(id).cancel(true);
        out.put(id, AgentCallResult.failed(id, "no answer within the deadline of " + deadline.toMillis() + " ms"));
      }
    });
    return out;
  }
}
