package io.zdd.coordinator.cli;

import io.zdd.proto.v1.DashboardLoginRequest;
import io.zdd.proto.v1.DashboardLoginResponse;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code zdd dashboard}: asks the leader (over the operator's mutual TLS, like every command) for a
 * one-time login link to its web dashboard and prints it. Opening the link signs the browser in
 * as this operator certificate, with its roles; the link works once, within two minutes.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
    description = {"Print a one-time login link to the leader's web dashboard (valid once, for 2 minutes).",
        "The browser session acts as your operator certificate, with its roles; without a link the",
        "dashboard is read-only."})
final class DashboardCommand implements Callable<Integer> {
  @ParentCommand ZddCli cli;

  @Override
  public Integer call() {
    return cli.run(c -> {
      DashboardLoginResponse r = c.call(x -> x.blocking().dashboardLogin(DashboardLoginRequest.getDefaultInstance()));
      cli.out.println(r.getUrl());
      cli.err.printf("signs in as %s; open it before %s (once)%n", r.getIdentity(),
          Instant.ofEpochMilli(r.getExpiresAtUnixMs()));
      return ExitCodes.OK;
    });
  }
}
