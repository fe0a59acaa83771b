package io.zdd.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralTest {
  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "0.0.0.0", "255.255.255.255", "10.1.2.3", "::1", "::", "fe80::1",
      "2001:db8::8a2e:370:7334", "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:192.0.2.1",
      "64:ff9b::192.0.2.33", "1::", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4"})
  void acceptsLiterals(String address) {
    assertThat(IpLiteral.isValid(address)).as(address).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.2.3.4:80", ":::::", "1.2.3", "256.1.1.1", "01.2.3.4", "[::1]", "::1%eth0",
      "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3", "12345::", "g::1", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:",
      "1.2.3.4::", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "localhost", "", " 127.0.0.1", "127.0.0.1\n",
      "::1;", "1.2.3.4 weight 0"})
  void refusesEverythingElse(String address) {
    assertThat(IpLiteral.isValid(address)).as(address).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.2.3.4:80", ":::::"})
  void aServerWithSuchAnAddressIsRefusedNamingTheField(String address) {
    assertThatThrownBy(() -> new BackendServer("s1", address, 8080, 1, AdminState.READY, Colour.BLUE, ""))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("server.address");
  }
}
