package io.zdd.agent.firewall;

import io.zdd.agent.exec.CommandRunner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Records every command (argv and stdin) and answers from a script, so unit tests can check the
 * exact iptables input without running iptables. Integration tests use the real tools.
 */
final class RecordingCommandRunner implements CommandRunner {
  record Call(List<String> command, String stdin) {}

  final List<Call> calls = new ArrayList<>();
  private final Function<Call, Result> script;

  RecordingCommandRunner(Function<Call, Result> script) {
    this.script = script;
  }

  @Override
  public synchronized Result run(List<String> command, byte[] stdin, Duration timeout) {
    Call c = new Call(List.copyOf(command), new String(stdin, StandardCharsets.UTF_8));
    calls.add(c);
    return script.apply(c);
  }

  /** Calls whose argv runs {@code binary}, named by its file name (the agent calls programs by absolute path). */
  synchronized List<Call> callsTo(String binary) {
    return calls.stream().filter(c -> c.command().stream().anyMatch(a -> a.equals(binary) || a.endsWith("/" + binary)))
        .toList();
  }

  static Result ok(List<String> cmd, String stdout) {
    return new Result(cmd, 0, stdout, "");
  }
}
