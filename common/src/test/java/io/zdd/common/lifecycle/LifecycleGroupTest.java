package io.zdd.common.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifecycleGroupTest {
  private final List<String> log = new ArrayList<>();

  private LifecycleGroup.Component recording(String name, boolean failOnStart) {
    return new LifecycleGroup.Component() {
      @Override
      public void start() {
        if (failOnStart) {
          throw new IllegalStateException(name + " cannot start");
        }
        log.add("start " + name);
      }

      @Override
      public void stop() {
        log.add("stop " + name);
      }
    };
  }

  @Test
  void startsInOrder_stopsInReverse_onceOnly() throws Exception {
    LifecycleGroup g = new LifecycleGroup("test")
        .add("zk", recording("zk", false))
        .add("grpc", recording("grpc", false))
        .add("health", recording("health", false));
    g.start();
    g.start();
    g.stop();
    g.stop();
    assertThat(log).containsExactly("start zk", "start grpc", "start health", "stop health", "stop grpc", "stop zk");
  }

  @Test
  void failedStart_stopsWhatStarted_andRethrows() {
    LifecycleGroup g = new LifecycleGroup("test")
        .add("a", recording("a", false))
        .add("b", recording("b", false))
        .add("c", recording("c", true))
        .add("d", recording("d", false));
    assertThatThrownBy(g::start).hasMessage("c cannot start");
    assertThat(log).containsExactly("start a", "start b", "stop b", "stop a");
    assertThat(g.startedNames()).isEmpty();
  }

  @Test
  void stopFailure_doesNotPreventOthersFromStopping() throws Exception {
    LifecycleGroup g = new LifecycleGroup("test")
        .add("a", recording("a", false))
        .addCloseable("bad", () -> {
          throw new IOException("disk gone");
        })
        .add("c", recording("c", false));
    g.start();
    g.close();
    assertThat(log).containsExactly("start a", "start c", "stop c", "stop a");
  }
}
