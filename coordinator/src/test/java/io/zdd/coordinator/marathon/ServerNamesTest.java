package io.zdd.coordinator.marathon;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.Validation;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServerNamesTest {

  @Test
  void plainTaskIdPortZero_isTheTaskId() {
    assertThat(ServerNames.forTask("nginx-green.01da9a15-68a7-11e7-a229-e6a514ca0c21", 0))
        .isEqualTo("nginx-green.01da9a15-68a7-11e7-a229-e6a514ca0c21");
  }

  @Test
  void longOrOddTaskIds_areSanitisedBoundedAndValidForHaproxy() {
    String pod = "group_sub_very-long-application-name-that-goes-on.instance-8a1c7e5b-6ca8-11e7-beb2-0e2beceebfcc._app.1";
    for (String id : new String[] {pod, "weird/id with spaces", "ünïcode.1"}) {
      String name = ServerNames.forTask(id, 0);
      assertThat(name).hasSizeLessThanOrEqualTo(64).matches("[A-Za-z0-9_.-]+");
      assertThat(Validation.name("server.name", name)).isEqualTo(name);
      assertThat(ServerNames.forTask(id, 0)).isEqualTo(name);
    }
  }

  @Test
  void idsThatSanitiseOrTruncateAlike_getDistinctNames() {
    String common = "x".repeat(80);
    Set<String> names = new HashSet<>();
    names.add(ServerNames.forTask("a_b", 0));
    names.add(ServerNames.forTask("a/b", 0));
    names.add(ServerNames.forTask("a b", 0));
    names.add(ServerNames.forTask(common + "1", 0));
    names.add(ServerNames.forTask(common + "2", 0));
    names.add(ServerNames.forTask("a_b", 1));
    names.add(ServerNames.forTask("a_b", 2));

    assertThat(names).hasSize(7);
  }

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
