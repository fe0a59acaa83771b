package io.zdd.agent.exec;

import io.zdd.common.error.DeadlineExceededException;
import io.zdd.common.error.UnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs programs with {@link ProcessBuilder}: argument lists (no shell), a timeout, captured
 * output, and a fixed minimal environment ({@link ChildEnvironment}) instead of the agent's.
 */
public final class ProcessCommandRunner implements CommandRunner {
  private static final Logger log = LoggerFactory.getLogger(ProcessCommandRunner.class);
  /** Output beyond this is dropped: a runaway program must not fill the agent's heap. */
  private static final int MAX_OUTPUT = 1 << 20;

  @Override
  public Result run(List<String> command, byte[] stdin, Duration timeout) {
    List<String> cmd = List.copyOf(command);
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      ChildEnvironment.scrub(pb);
      p = pb.start();
    } catch (IOException e) {
      throw new UnavailableException("cannot start " + cmd.get(0) + ": " + e.getMessage(), e);
    }
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin);
    } catch (IOException e) {
      // The program may exit before reading its input; its exit code tells the story.
      log.debug("{}: stdin closed early: {}", cmd.get(0), e.toString());
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new DeadlineExceededException(cmd.get(0) + " did not finish within " + timeout);
      }
      Result r = new Result(cmd, p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
      log.debug("{} -> exit {}", cmd, r.exitCode());
      return r;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while running " + cmd.get(0), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new UnavailableException("cannot read output of " + cmd.get(0), e);
    }
  }

  private static CompletableFuture<String> drain(InputStream s) {
    return CompletableFuture.supplyAsync(() -> {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      try (s) {
        int n;
        while ((n = s.read(chunk)) >= 0) {
          if (buf.size() < MAX_OUTPUT) {
            buf.write(chunk, 0, Math.min(n, MAX_OUTPUT - buf.size()));
          }
        }
      } catch (IOException e) {
        // Process went away; keep what we have.
      }
      return buf.toString(StandardCharsets.UTF_8);
    });
  }
}
