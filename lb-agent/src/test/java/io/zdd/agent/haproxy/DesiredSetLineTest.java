package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DesiredSetLineTest {
  private final HaproxyConfigRenderer renderer = new HaproxyConfigRenderer("127.0.0.1", 3);

  @Test
  void everyBlockOfARenderedFileGivesBackItsSetAndEpoch() {
    String file = renderer.render(List.of(HaproxyConfigRendererTest.web(), HaproxyConfigRendererTest.db()),
        Epoch.of(42));

    Map<GroupName, String> blocks = ConfigBlocks.parse(file);

    assertThat(DesiredSetLine.in(blocks.get(GroupName.of("web"))))
        .contains(new DesiredSetLine.Recovered(HaproxyConfigRendererTest.web(), Epoch.of(42)));
    assertThat(DesiredSetLine.in(blocks.get(GroupName.of("db"))))
        .contains(new DesiredSetLine.Recovered(HaproxyConfigRendererTest.db(), Epoch.of(42)));
  }

  @Test
  void aBlockWithoutTheLine_isAnOlderAgentsBlock() {
    assertThat(DesiredSetLine.in("\n# group web version 3\nfrontend zdd_fe_web\n")).isEmpty();
  }

  @Test
  void aDamagedLine_isReportedNotGuessed() {
    assertThatThrownBy(() -> DesiredSetLine.in("# group web version 3\n# desired epoch 4 set AAAA\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
