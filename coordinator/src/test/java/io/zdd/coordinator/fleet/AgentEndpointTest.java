package io.zdd.coordinator.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.AgentId;
import io.zdd.coordinator.engine.LbGroups;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentEndpointTest {
  private static AgentEndpoint lb(List<String> lbGroups, List<String> holding) {
    return new AgentEndpoint(AgentId.of("lb-1"), "127.0.0.1:7100", "2.6", lbGroups, holding);
  }

  @Test
  void membershipComesFromTheLbGroups_notFromWhatTheAgentAlreadyHolds() {
    // An LB already serving deployment group "shop" must still be chosen for a second app "cart"
    // of its Marathon-LB group, and not for an app of another Marathon-LB group.
    AgentEndpoint external = lb(List.of("external"), List.of("shop"));
    LbGroups cart = new LbGroups(Set.of("external"));

    assertThat(external.serves(cart)).isTrue();
    assertThat(external.serves(new LbGroups(Set.of("internal")))).isFalse();
    assertThat(external.holds("shop")).isTrue();
    assertThat(external.holds("cart")).isFalse();
    assertThat(lb(List.of("*"), List.of()).serves(LbGroups.NONE)).isTrue();
  }

  @Test
  void anAgentRegisteredBeforeExplicitMembership_servesEveryGroup() throws Exception {
    AgentEndpoint old = ZkAgentDirectory.parse("""
        {"agentId":"lb-1","address":"127.0.0.1:7100","haproxyVersion":"2.6","groups":["shop"],"capabilities":[]}
        """.getBytes(StandardCharsets.UTF_8));
    AgentEndpoint current = ZkAgentDirectory.parse("""
        {"agentId":"lb-2","address":"127.0.0.1:7101","lbGroups":["internal"],"groups":[],"capabilities":[]}
        """.getBytes(StandardCharsets.UTF_8));

    assertThat(old.lbGroups()).containsExactly("*");
    assertThat(current.lbGroups()).containsExactly("internal");
    assertThat(current.serves(new LbGroups(Set.of("external")))).isFalse();
  }
}
