package io.zdd.coordinator.marathon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerNamesTest {

  @Test
  void legacyName_hostEqualsIp_isHostPort() {
    assertThat(ServerNames.legacy("10.0.6.25", "10.0.6.25", 16916)).isEqualTo("10_0_6_25_16916");
  }

  @Test
  void legacyName_namedHost_isHostIpPort() {
    assertThat(ServerNames.legacy("ip-10-0-6-25.ec2.internal", "10.0.6.25", 31001))
        .isEqualTo("ip-10-0-6-25_ec2_internal_10_0_6_25_31001");
  }

  @Test
  void legacyName_ipv6_colonsBecomeUnderscores() {
    assertThat(ServerNames.legacy("agent", "fd00::5", 80)).isEqualTo("agent_fd00__5_80");
  }
}
