package io.zdd.agent.exec;

import java.time.Duration;
import java.util.List;

/**
 * The only way the agent runs external programs (haproxy -c, iptables-restore, iptables-save).
 * Arguments are passed as a list straight to the program: no shell is ever involved, so no value
 * can be interpreted as shell syntax. Callers build arguments only from validated values.
 */
public interface CommandRunner {
  /**
   * Runs {@code command} to completion.
   *
   * @param stdin bytes written to the program's standard input (may be empty)
   * @param timeout the program is killed when it runs longer
   * @return exit code and captured output
   * @throws io.zdd.common.error.DeadlineExceededException when the timeout passed
   * @throws io.zdd.common.error.UnavailableException when the program could not be started
   */
  Result run(List<String> command, byte[] stdin, Duration timeout);

  default Result run(List<String> command, Duration timeout) {
    return run(command, new byte[0], timeout);
  }

  /** What a finished program left behind. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** stderr, or stdout when stderr is empty: where programs put their complaint. */
    public String message() {
      String s = stderr.isBlank() ? stdout : stderr;
      return s.strip();
    }
  }
}
