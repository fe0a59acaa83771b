package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.AdminState;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Injection attempts are refused before anything is sent (the socket here does not exist). */
class RuntimeArgsTest {
  final HaproxyRuntimeClient client = new HaproxyRuntimeClient(Path.of("/nonexistent/zdd-test.sock"));

  @Test
  void refusesSeparatorsAndSpacesInNames() {
    assertThatThrownBy(() -> client.setWeight("be", "s1;del server be/s2", 1))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("server.name");
    assertThatThrownBy(() -> client.setState("be x", "s1", AdminState.MAINT))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("backend");
    assertThatThrownBy(() -> client.enableServer("be\nshutdown", "s1"))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> client.addServer("be", "s1", "10.0.0.1 check", 80,
        new ServerOptions(1, Optional.empty(), false)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("server.address");
  }

  @Test
  void refusesOutOfRangeValues() {
    assertThatThrownBy(() -> client.setWeight("be", "s1", 257)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("server.weight");
    assertThatThrownBy(() -> client.setAddress("be", "s1", "10.0.0.1", 0)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("server.port");
  }

  @Test
  void lineGuardRefusesSemicolonBackslashAndControlCharacters() {
    assertThatThrownBy(() -> RuntimeArgs.line("show stat; shutdown")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> RuntimeArgs.line("show stat\\")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> RuntimeArgs.line("show stat\r")).isInstanceOf(InvalidInputException.class);
    assertThat(RuntimeArgs.line("@!123 show stat zdd_be_a:blue 4 -1")).isNotEmpty();
  }
}
