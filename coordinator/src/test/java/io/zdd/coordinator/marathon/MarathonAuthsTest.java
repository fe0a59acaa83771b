package io.zdd.coordinator.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarathonAuthsTest {
  @TempDir
  Path dir;

  private MarathonAuth auth(Optional<String> flag, Optional<Path> file, Optional<Path> dcos) {
    return MarathonAuths.fromFlags(flag, file, dcos, HttpClient.newHttpClient(), Duration.ofSeconds(1), Clock.systemUTC(),
        uri -> { });
  }

  @Test
  void noFlags_meansNoAuth() {
    assertThat(auth(Optional.empty(), Optional.empty(), Optional.empty())).isSameAs(MarathonAuth.NONE);
    assertThat(MarathonAuth.NONE.authorization()).isEmpty();
  }

  @Test
  void credentialsFlag_isBasic() {
    MarathonAuth auth = auth(Optional.of("u:p"), Optional.empty(), Optional.empty());

    assertThat(auth).isInstanceOf(BasicAuth.class);
    assertThat(auth.authorization()).contains("Basic dTpw");
  }

  @Test
  void credentialsFile_isBasic() throws Exception {
    Path file = Files.writeString(dir.resolve("c"), "u:p\n");

    assertThat(auth(Optional.empty(), Optional.of(file), Optional.empty()).authorization()).contains("Basic dTpw");
  }

  @Test
  void twoSources_isRejectedNamingTheFlags() {
    assertThatThrownBy(() -> auth(Optional.of("u:p"), Optional.empty(), Optional.of(dir.resolve("x"))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("--dcos-auth-credentials");
  }

  @Test
  void dcosFileMissing_isRejectedNamingTheFlag() {
    assertThatThrownBy(() -> auth(Optional.empty(), Optional.empty(), Optional.of(dir.resolve("missing.json"))))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("dcos-auth-credentials"));
  }
}
