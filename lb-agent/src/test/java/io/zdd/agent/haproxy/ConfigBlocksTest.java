package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigBlocksTest {
  @Test
  void splitsARenderedFileBackIntoItsGroupBlocks() {
    HaproxyConfigRenderer r = new HaproxyConfigRenderer("127.0.0.1", 3);
    String both = r.render(List.of(HaproxyConfigRendererTest.web(), HaproxyConfigRendererTest.db()), Epoch.of(1));
    Map<GroupName, String> blocks = ConfigBlocks.parse(both);
    assertThat(blocks).containsOnlyKeys(GroupName.of("db"), GroupName.of("web"));
    // Each block is exactly what rendering that group alone adds after the header.
    assertThat(blocks.get(GroupName.of("db")))
        .isEqualTo(r.render(List.of(HaproxyConfigRendererTest.db()), Epoch.of(1)).substring(HaproxyConfigRenderer.HEADER.length()));
    assertThat(HaproxyConfigRenderer.HEADER + blocks.get(GroupName.of("db")) + blocks.get(GroupName.of("web")))
        .isEqualTo(both);
    assertThat(ConfigBlocks.parse(HaproxyConfigRenderer.HEADER)).isEmpty();
  }
}
