package io.zdd.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.error.InvalidInputException;
import org.junit.jupiter.api.Test;

class ByteSizesTest {
  @Test
  void readsBytesAndBinaryUnits() {
    assertThat(ByteSizes.parse("--x", "65536")).isEqualTo(65536);
    assertThat(ByteSizes.parse("--x", "64KiB")).isEqualTo(64 << 10);
    assertThat(ByteSizes.parse("--x", " 4MiB ")).isEqualTo(4 << 20);
    assertThat(ByteSizes.parse("--x", "1GiB")).isEqualTo(1 << 30);
    assertThat(ByteSizes.format(4 << 20)).isEqualTo("4MiB");
    assertThat(ByteSizes.format(1000)).isEqualTo("1000");
  }

  @Test
  void refusesOtherFormsAndOverflowNamingTheFlag() {
    assertThatThrownBy(() -> ByteSizes.parse("--max-x", "4MB")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("--max-x");
    assertThatThrownBy(() -> ByteSizes.parse("--max-x", "-1")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ByteSizes.parse("--max-x", "2GiB")).hasMessageContaining("too large");
  }
}
