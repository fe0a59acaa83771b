package io.zdd.coordinator.marathon;

import io.zdd.common.error.InvalidInputException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Picks the Marathon auth from zdd.py-compatible flags: {@code --auth-credentials user:pass},
 * a basic-auth credentials file, or {@code --dcos-auth-credentials FILE}. At most one may be set.
 */
public final class MarathonAuths {
  private MarathonAuths() {}

  /**
   * @param loginTimeout deadline of one DC/OS login call
   */
  /**
   * @param checkLoginEndpoint refuses a DC/OS login endpoint the caller does not accept (e.g. plain http)
   */
  public static MarathonAuth fromFlags(Optional<String> authCredentials, Optional<Path> authCredentialsFile,
      Optional<Path> dcosCredentialsFile, HttpClient http, Duration loginTimeout, Clock clock,
      Consumer<URI> checkLoginEndpoint) {
    int given = (authCredentials.isPresent() ? 1 : 0) + (authCredentialsFile.isPresent() ? 1 : 0)
        + (dcosCredentialsFile.isPresent() ? 1 : 0);
    if (given > 1) {
      throw new InvalidInputException("auth",
          "give at most one of --auth-credentials, --auth-credentials-file and --dcos-auth-credentials");
    }
    if (authCredentials.isPresent()) {
      return BasicAuth.parse("--auth-credentials", authCredentials.get());
    }
    if (authCredentialsFile.isPresent()) {
      return BasicAuth.fromFile(authCredentialsFile.get());
    }
    if (dcosCredentialsFile.isPresent()) {
      // DC/OS tokens last 5 days by default; ask for one hour (as zdd.py) and renew a minute early.
      DcosServiceAccountAuth.Credentials c = DcosServiceAccountAuth.readCredentials(dcosCredentialsFile.get());
      checkLoginEndpoint.accept(c.loginEndpoint());
      return new DcosServiceAccountAuth(c, http, loginTimeout, Duration.ofHours(1), Duration.ofMinutes(1), clock);
    }
    return MarathonAuth.NONE;
  }
}
